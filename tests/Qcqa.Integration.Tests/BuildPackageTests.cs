using System.Xml.Linq;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests;

/// <summary>
/// The QcqaBuild package: its layout (what the props and targets expect), no native library inside, libtorch as a
/// dependency, and the engine starting from it with `dotnet exec --depsfile … --additionalprobingpath …`.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class BuildPackageTests(IntegrationFixture fixture)
{
    [Fact]
    public void GivenTheBuildPackageItHoldsTargetsTasksAndTheManagedEngineButNoNativeLibrary()
    {
        var entries = LocalPackages.Entries(fixture.Packages.BuildPackage).Select(e => e.Path).ToList();

        Assert.Contains("build/QcqaBuild.props", entries);
        Assert.Contains("build/QcqaBuild.targets", entries);
        Assert.Contains("tasks/net10.0/Qcqa.Build.Tasks.dll", entries);
        foreach (var file in new[] { "dotnet-qcqa.dll", "dotnet-qcqa.deps.json", "dotnet-qcqa.runtimeconfig.json", "Qcqa.Core.dll", "Qcqa.Torch.dll", "TorchSharp.dll" })
            Assert.Contains("tools/net10.0/any/" + file, entries);
        Assert.DoesNotContain(entries, e => e.Contains("/runtimes/", StringComparison.Ordinal) || e.EndsWith(".so", StringComparison.Ordinal)
                                            || e.EndsWith(".dylib", StringComparison.Ordinal) || e.Contains("torch_cpu", StringComparison.Ordinal));
        Assert.True(new FileInfo(fixture.Packages.BuildPackage).Length < 10 << 20, "The build package should hold managed files only.");
    }

    [Fact]
    public void GivenTheBuildPackageItDependsOnTorchSharpAndThisPlatformsLibtorchWithoutPassingTheirAssetsOn()
    {
        var nuspec = XDocument.Parse(LocalPackages.ReadEntry(fixture.Packages.BuildPackage, LocalPackages.BuildPackageId + ".nuspec"));
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").ToList();
        // The same choice as src/Qcqa.Torch and src/Qcqa.Build.Package make, by operating system.
        var libtorch = OperatingSystem.IsWindows() ? "libtorch-cpu-win-x64" : OperatingSystem.IsMacOS() ? "libtorch-cpu-osx-arm64" : "libtorch-cpu-linux-x64";

        Assert.Equal(new[] { "TorchSharp", libtorch }.Order(), dependencies.Select(d => (string)d.Attribute("id")!).Order());
        Assert.All(dependencies, d => Assert.Equal("ContentFiles", (string?)d.Attribute("include")));
        Assert.Equal("true", nuspec.Descendants().Single(e => e.Name.LocalName == "developmentDependency").Value);
    }

    [Fact]
    public void GivenTheExtractedBuildPackageTheEngineStartsWithItsNativeLibrariesFromTheNuGetPackageFolder()
    {
        using var folder = new TempFolder("pkg");
        LocalPackages.Extract(fixture.Packages.BuildPackage, folder.Path);
        var tools = folder.Combine("tools", "net10.0", "any");

        // As QcqaBuild.targets runs it; the host fails at start-up if any native asset in the deps file is not found.
        var help = ProcessRunner.Run(Dotnet.Command(folder.Path,
            ["exec", "--depsfile", Path.Combine(tools, "dotnet-qcqa.deps.json"), "--runtimeconfig", Path.Combine(tools, "dotnet-qcqa.runtimeconfig.json"),
             "--additionalprobingpath", Dotnet.GlobalPackagesFolder, Path.Combine(tools, "dotnet-qcqa.dll"), "--help"]), TimeSpan.FromMinutes(1));

        Assert.True(help.Succeeded, help.ToString());
        Assert.Contains("merge", help.Output);
    }

    [Fact]
    public void GivenAProjectReferencingThePackageItsBuildRunsTheEngineFromThePackage()
    {
        using var folder = new TempFolder("consumer");
        folder.Write("nuget.config", fixture.Packages.NuGetConfig(folder.Combine("packages")));
        folder.Write("Consumer.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{LocalPackages.BuildPackageId}" Version="{fixture.Packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        folder.Write("qcqa.yaml", FixtureSpecs.ThreeVariants);
        SyntheticModels.Write(folder.Combine("model"));

        var build = ProcessRunner.Run(Dotnet.Command(folder.Path, ["build", "-v:n", .. Dotnet.BuildSwitches]), TimeSpan.FromMinutes(5));

        Assert.True(build.Succeeded, build.ToString());
        Assert.Contains("--additionalprobingpath", build.Output);
        var output = folder.Combine("bin", "Debug", "net10.0", "qcqa");
        foreach (var variant in BuildIncrementalityTests.Variants) QcqaAssert.IsCheckpoint(output, BuildIncrementalityTests.Model, variant);
        // Nothing of TorchSharp or libtorch lands in the consumer's own output.
        Assert.Empty(Directory.GetFiles(folder.Combine("bin", "Debug", "net10.0"), "*orch*", SearchOption.TopDirectoryOnly));
    }
}

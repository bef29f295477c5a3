using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests;

/// <summary>The `dotnet qcqa` tool as users get it: packed, installed into a tool path from a local folder, run.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class ToolPackageTests(IntegrationFixture fixture)
{
    // nuget.org refuses packages over 250 MB.
    private const long NuGetOrgLimit = 250L * 1024 * 1024;

    [Fact]
    public void GivenThePackedToolEachPackageFitsNuGetOrgAndOnlyThisPlatformsCarriesLibtorch()
    {
        var packages = fixture.Packages;

        var pointer = LocalPackages.Entries(packages.ToolPackage);
        Assert.DoesNotContain(pointer, e => e.Path.EndsWith(".dll", StringComparison.Ordinal) || e.Path.EndsWith(".so", StringComparison.Ordinal));
        var ridSpecific = Assert.Single(packages.RidSpecificToolPackages);
        Assert.True(new FileInfo(ridSpecific).Length < NuGetOrgLimit, $"{ridSpecific} is {new FileInfo(ridSpecific).Length >> 20} MB.");
        var rid = Path.GetFileName(ridSpecific)[(LocalPackages.ToolPackageId.Length + 1)..^($".{packages.Version}.nupkg".Length)];
        Assert.All(LocalPackages.Entries(ridSpecific).Where(e => e.Path.StartsWith("tools/", StringComparison.Ordinal)),
            e => Assert.StartsWith($"tools/net10.0/{rid}/", e.Path));
    }

    [Fact]
    public void GivenTheToolInstalledFromTheLocalPackageFolderItsHelpListsTheCommands()
    {
        var help = fixture.Tool.Run(fixture.Tool.ToolPath, "--help");

        Assert.True(help.Succeeded, help.ToString());
        Assert.Contains("inspect", help.Output);
        Assert.Contains("merge", help.Output);
    }

    [Fact]
    public void GivenTheInstalledToolItBuildsASpecIntoCheckpointsAndSummaries()
    {
        using var folder = new TempFolder("toolbuild");
        SyntheticModels.Write(folder.Combine("model"));
        folder.Write("qcqa.yaml", FixtureSpecs.ThreeVariants);

        var build = fixture.Tool.Run(folder.Path, "build", "qcqa.yaml", "--out", "out", "--cache", "cache");

        Assert.True(build.Succeeded, build.ToString());
        foreach (var variant in BuildIncrementalityTests.Variants)
            QcqaAssert.IsCheckpoint(folder.Combine("out"), BuildIncrementalityTests.Model, variant);
        QcqaAssert.HasSummaries(folder.Combine("out"));
    }
}

using System.Xml.Linq;
using Qcqa.Integration.Tests.TestSupport;

namespace Qcqa.Integration.Tests;

/// <summary>
/// The <c>dotnet new</c> template package installed from the local feed into an isolated CLI home and template hive,
/// instantiated and built against a small synthetic model; and the metadata NuGet users look for on every package.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class TemplatePackageTests(IntegrationFixture fixture)
{
    [Fact]
    public void GivenTheTemplatePackageDotnetNewQcqaCreatesAProjectThatBuildsItsModel()
    {
        using var folder = new TempFolder("template");
        // Nothing of this machine's own `dotnet new` state is read or changed.
        var isolated = new Dictionary<string, string?> { ["DOTNET_CLI_HOME"] = folder.Combine("home") };
        var hive = folder.Combine("hive");

        var install = ProcessRunner.Run(Dotnet.Command(folder.Path,
            ["new", "install", fixture.Packages.TemplatesPackage, "--debug:custom-hive", hive], isolated), TimeSpan.FromMinutes(2));
        Assert.True(install.Succeeded, install.ToString());
        Assert.Contains("qcqa", install.Output);

        var project = folder.Combine("MyModels");
        var create = ProcessRunner.Run(Dotnet.Command(folder.Path,
            ["new", "qcqa", "-n", "MyModels", "-o", project, "--model", "models/tiny", "--debug:custom-hive", hive], isolated), TimeSpan.FromMinutes(2));
        Assert.True(create.Succeeded, create.ToString());

        var csproj = XDocument.Load(Path.Combine(project, "MyModels.csproj"));
        var reference = csproj.Descendants("PackageReference").Single();
        Assert.Equal(LocalPackages.BuildPackageId, (string?)reference.Attribute("Include"));
        Assert.Equal(fixture.Packages.Version, (string?)reference.Attribute("Version"));
        var spec = File.ReadAllLines(Path.Combine(project, "qcqa.yaml"));
        Assert.Equal("# yaml-language-server: $schema=qcqa.yaml.schema.json", spec[0]);
        Assert.Contains(spec, l => l.Trim().StartsWith("path: models/tiny", StringComparison.Ordinal));
        Assert.True(spec.Count(l => l.TrimStart().StartsWith('#')) >= 10, "The spec should explain itself in comments.");
        Assert.Equal(File.ReadAllText(RepositoryLayout.Combine("qcqa.yaml.schema.json")), File.ReadAllText(Path.Combine(project, "qcqa.yaml.schema.json")));

        File.WriteAllText(Path.Combine(project, "nuget.config"), fixture.Packages.NuGetConfig(folder.Combine("packages")));
        SyntheticModels.Write(Path.Combine(project, "models", "tiny"));
        var build = ProcessRunner.Run(Dotnet.Command(project, ["build", "-v:n", .. Dotnet.BuildSwitches]), TimeSpan.FromMinutes(5));

        Assert.True(build.Succeeded, build.ToString());
        var output = Path.Combine(project, "bin", "Debug", "net10.0", "qcqa");
        QcqaAssert.IsCheckpoint(output, "my-model", "gqa-50");
        QcqaAssert.IsCheckpoint(output, "my-model", "ac-50");
        QcqaAssert.HasSummaries(output);
    }

    [Fact]
    public void GivenEveryPackageItCarriesAReadmeDescriptionTagsLicenseAndRepository()
    {
        var packages = new[] { fixture.Packages.BuildPackage, fixture.Packages.ToolPackage, fixture.Packages.TemplatesPackage }
            .Concat(fixture.Packages.RidSpecificToolPackages);
        foreach (var package in packages)
        {
            var id = Path.GetFileName(package)[..^$".{fixture.Packages.Version}.nupkg".Length];
            var metadata = XDocument.Parse(LocalPackages.ReadEntry(package, id + ".nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

            Assert.Equal("README.md", Value("readme"));
            Assert.Contains("QCQA", LocalPackages.ReadEntry(package, "README.md"));
            Assert.True(Value("description") is { Length: > 40 }, $"{id}: description");
            Assert.Contains("qcqa", Value("tags") ?? "");
            var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
            Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? "");
        }
        Assert.DoesNotContain("missing a readme", fixture.Packages.PackOutput, StringComparison.OrdinalIgnoreCase);
    }
}

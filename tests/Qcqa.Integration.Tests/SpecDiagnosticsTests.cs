using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests;

/// <summary>Spec errors fail `dotnet build` with MSBuild's canonical diagnostic at the right place, and leave nothing behind.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class SpecDiagnosticsTests
{
    [Fact]
    public void GivenAMisspelledKeyTheBuildFailsAtItsLineAndColumnAndProducesNothing()
    {
        using var project = new BuildFixtureProject("""
            models:
              - name: tiny
                path: model
                variants:
                  - name: ec
                    mode: equal
                    budget: 0.5
                    bugdet: 0.5
            """);

        var build = project.Build();

        Assert.False(build.Succeeded, build.ToString());
        QcqaAssert.HasSpecDiagnostic(build.Output, line: 8, column: 9, "QCQA041");
        Assert.Empty(FolderSnapshot.Take(project.OutputFolder).Files);

        // A failed run leaves no stamp: once fixed, the next build runs the engine.
        project.WriteSpec(FixtureSpecs.ThreeVariants);
        var fixedBuild = project.Build("--no-restore");
        Assert.True(fixedBuild.Succeeded, fixedBuild.ToString());
        QcqaAssert.IsCheckpoint(project.OutputFolder, BuildIncrementalityTests.Model, "ec");
    }

    [Fact]
    public void GivenAMissingModelFolderTheBuildFailsAtThePathValue()
    {
        using var project = new BuildFixtureProject("""
            models:
              - name: tiny
                path: no-such-model
                variants: [{ name: ec, mode: equal, budget: 0.5 }]
            """);

        var build = project.Build();

        Assert.False(build.Succeeded, build.ToString());
        QcqaAssert.HasSpecDiagnostic(build.Output, line: 3, column: 11, "QCQA043");
        Assert.Empty(FolderSnapshot.Take(project.OutputFolder).Files);
    }
}

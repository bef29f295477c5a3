using Xunit;

namespace Qcqa.Build.Tasks.Tests;

/// <summary>
/// Real `dotnet build` runs of a fixture project with the stand-in engine: incrementality, diagnostics in the
/// build output, FileWrites and clean. The real engine end to end is covered by the integration tests.
/// </summary>
[Collection(nameof(DotnetBuildTests))] // one build at a time: the machine has two cores
public class DotnetBuildTests
{
    private const string Spec = "models:\n  - path: models/tiny\n    variants: [{ name: half, mode: equal, budget: 0.5 }]\n";

    [UnixFact]
    public void TheFirstBuildRunsTheEngineTheSecondSkipsItAndCleanDeletesTheOutputs()
    {
        using var project = new FixtureProject(Spec);

        var first = project.Build();
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Equal(1, project.EngineRuns);
        Assert.True(File.Exists(project.OutputFile), first.Output);
        Assert.Contains("Compressing " + project.SpecPath, first.Output);
        Assert.Contains(project.OutputFile, File.ReadAllText(project.FileListAbsolute));

        var second = project.Build("--no-restore");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Equal(1, project.EngineRuns);
        Assert.Contains("Skipping target \"QcqaCompress\" because all output files are up-to-date", second.Output);
        Assert.True(File.Exists(project.OutputFile), "IncrementalClean must keep the registered outputs.");

        project.WriteSpec(Spec + "# edited\n");
        Assert.Equal(0, project.Build("--no-restore").ExitCode);
        Assert.Equal(2, project.EngineRuns);

        File.Delete(project.OutputFile);
        Assert.Equal(0, project.Build("--no-restore").ExitCode);
        Assert.Equal(3, project.EngineRuns);
        Assert.True(File.Exists(project.OutputFile));

        var clean = project.Clean();
        Assert.True(clean.ExitCode == 0, clean.Output);
        Assert.False(File.Exists(project.OutputFile), clean.Output);
        Assert.Empty(Directory.GetFiles(Path.Combine(project.IntermediateFolder, "qcqa")));
    }

    [UnixFact]
    public void SpecErrorsAppearInCanonicalFormAndTheNextBuildRunsTheEngineAgain()
    {
        using var project = new FixtureProject(Spec + "# FAIL\n");

        var failed = project.Build();

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains($"{project.SpecPath}(3,5): error QCQA041: Unknown key 'bugdet' in a variant; did you mean 'budget'?", failed.Output);
        Assert.Contains($"{project.SpecPath}(4,7): warning QCQA042: The budget {{0}} looks odd.", failed.Output);
        Assert.False(File.Exists(project.OutputFile));

        project.WriteSpec(Spec);
        var fixedBuild = project.Build("--no-restore");
        Assert.True(fixedBuild.ExitCode == 0, fixedBuild.Output);
        Assert.Equal(2, project.EngineRuns);
    }

    [UnixFact]
    public void GivenQcqaEnabledWithoutASpecTheBuildFailsNamingTheProperty()
    {
        using var project = new FixtureProject(spec: null);

        var enabled = project.Build("-p:QcqaEnabled=true");
        Assert.NotEqual(0, enabled.ExitCode);
        Assert.Contains("error QCQA070: QcqaEnabled is true but there is no qcqa.yaml", enabled.Output);
        Assert.Contains("set QcqaSpec", enabled.Output);

        var quiet = project.Build("--no-restore");
        Assert.True(quiet.ExitCode == 0, quiet.Output);
        Assert.Equal(0, project.EngineRuns);
        Assert.False(Directory.Exists(Path.Combine(project.IntermediateFolder, "qcqa")));
    }

    [UnixFact]
    public void GivenABuildWithQcqaSwitchedOffTheOutputsAndStateStayAndTheNextBuildIsANoOp()
    {
        using var project = new FixtureProject(Spec);
        Assert.Equal(0, project.Build().ExitCode);
        var written = File.GetLastWriteTimeUtc(project.OutputFile);

        var off = project.Build("--no-restore", "-p:QcqaEnabled=false");
        Assert.True(off.ExitCode == 0, off.Output);
        Assert.True(File.Exists(project.OutputFile), "IncrementalClean must not delete the checkpoints of a build with QCQA off.\n" + off.Output);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(project.IntermediateFolder, "qcqa"), "*.stamp"));
        Assert.Contains(project.OutputFile, File.ReadAllText(project.FileListAbsolute));

        var on = project.Build("--no-restore");
        Assert.True(on.ExitCode == 0, on.Output);
        Assert.Equal(1, project.EngineRuns);
        Assert.Contains("Skipping target \"QcqaCompress\" because all output files are up-to-date", on.Output);
        Assert.Equal(written, File.GetLastWriteTimeUtc(project.OutputFile));

        // Off twice in a row: the second build has only the first off build's FileWrites to go by.
        Assert.Equal(0, project.Build("--no-restore", "-p:QcqaEnabled=false").ExitCode);
        Assert.Equal(0, project.Build("--no-restore", "-p:QcqaEnabled=false").ExitCode);
        Assert.True(File.Exists(project.OutputFile));

        // `dotnet clean` after an off build still removes the outputs (they stayed registered), and keeps the cache.
        var clean = project.Clean();
        Assert.True(clean.ExitCode == 0, clean.Output);
        Assert.False(File.Exists(project.OutputFile), clean.Output);
        Assert.Equal(1, project.EngineRuns); // runs.log lives in the cache folder, which clean keeps
    }

    [UnixFact]
    public void GivenTwoOutputPathsBuiltInTurnEachStaysANoOpAndKeepsItsOutputs()
    {
        using var project = new FixtureProject(Spec);
        var other = Path.Combine(project.Root, "bin", "Debug", "net10.0", "qcqa-other", "tiny", "half", "config.json");
        Assert.Equal(0, project.Build().ExitCode);
        Assert.Equal(0, project.Build("--no-restore", "-p:QcqaOutputPath=bin/Debug/net10.0/qcqa-other/").ExitCode);
        Assert.Equal(2, project.EngineRuns);

        for (var round = 0; round < 2; round++)
        {
            var first = project.Build("--no-restore");
            Assert.True(first.ExitCode == 0, first.Output);
            var second = project.Build("--no-restore", "-p:QcqaOutputPath=bin/Debug/net10.0/qcqa-other/");
            Assert.True(second.ExitCode == 0, second.Output);
            Assert.Equal(2, project.EngineRuns);
            Assert.True(File.Exists(project.OutputFile), first.Output + second.Output);
            Assert.True(File.Exists(other), first.Output + second.Output);
        }
    }

    [UnixFact]
    public void GivenAFailedBuildTheOutputsOfThePreviousOneStay()
    {
        using var project = new FixtureProject(Spec);
        Assert.Equal(0, project.Build().ExitCode);

        project.WriteSpec(Spec + "# FAIL\n");
        Assert.NotEqual(0, project.Build("--no-restore").ExitCode);
        Assert.True(File.Exists(project.OutputFile));

        project.WriteSpec(Spec);
        var fixedBuild = project.Build("--no-restore");
        Assert.True(fixedBuild.ExitCode == 0, fixedBuild.Output);
        Assert.True(File.Exists(project.OutputFile));
    }
}

using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Build;

/// <summary><c>dotnet qcqa build</c> in process: diagnostics for people and in the MSBuild protocol.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class BuildCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public BuildCommandTests()
        => SyntheticLlamaCheckpoint.Write(_temp.Combine("model"), new SyntheticCheckpointOptions { Layers = 2, Heads = 4, HeadDim = 6, Hidden = 24 });

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task GivenASpecWithATypoItReportsEveryProblemAtItsLineAndColumn()
    {
        var spec = _temp.Combine("qcqa.yaml");
        File.WriteAllText(spec, "models:\n  - path: model\n    variants:\n      - name: a\n        mode: gqa\n        budgt: 0.5\n");

        var run = await CliRun.InvokeAsync("build", spec, "--out", _temp.Combine("out"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"{spec}(6,9): error QCQA041:", StringComparison.Ordinal) && l.Contains("'budget'"));
        Assert.False(Directory.Exists(_temp.Combine("out")));
    }

    [Fact]
    public async Task InMsBuildModeErrorsTravelAsPrefixedLinesAndOutputsInTheDependencyFile()
    {
        var spec = _temp.Combine("qcqa.yaml");
        File.WriteAllText(spec, "models:\n  - path: model\n    variants:\n      - { name: a, mode: gqa, budget: 0.5 }\n");
        var deps = _temp.Combine("qcqa.deps");

        var good = await CliRun.InvokeAsync("build", spec, "--out", _temp.Combine("out"), "--deps-file", deps, "--msbuild");
        File.WriteAllText(spec, "models:\n  - path: model\n    variants:\n      - { name: a, mode: gqa, budget: 1.5 }\n");
        var bad = await CliRun.InvokeAsync("build", spec, "--out", _temp.Combine("out"), "--msbuild");

        Assert.True(good.ExitCode == 0, good.Output + good.Error);
        Assert.True(File.Exists(deps));
        Assert.Contains($"output\t{Path.Combine(_temp.Path, "out", "model", "a", "model.safetensors")}", File.ReadAllLines(deps));
        Assert.DoesNotContain("data: output=", good.Output); // one channel for produced files: the dependency file
        Assert.Contains("info: ", good.Output);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains(bad.Output.Split('\n'), l => l.StartsWith($"error: {spec}(4,39): error QCQA042:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InMsBuildModeEveryFinishedStageAndTheSummaryAreProgressLines()
    {
        var spec = _temp.Combine("qcqa.yaml");
        File.WriteAllText(spec, "models:\n  - path: model\n    variants:\n      - { name: a, mode: arbitrary, budget: 0.5 }\n");

        var run = await CliRun.InvokeAsync("build", spec, "--out", _temp.Combine("out"), "--msbuild");

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var progress = run.Output.Split('\n').Where(l => l.StartsWith("progress: ", StringComparison.Ordinal)).ToList();
        // The default aligned merge adds its fitness; without calibration text the allocation is uniform (no cost probes).
        string[] stages = ["statistics model:", "aligned fitness model:", "search model/a:", "allocation model/a:", "merge model/a:"];
        Assert.Equal(stages.Length + 1, progress.Count);
        Assert.All(stages.Zip(progress), p => Assert.StartsWith("progress: QCQA " + p.First, p.Second));
        Assert.StartsWith("progress: QCQA: 1 variants written, 0 up to date in ", progress[^1]);
        Assert.Contains(run.Output.Split('\n'), l => l.StartsWith("info: QCQA search model/a: arbitrary, 2 layers", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GivenARedirectedStandardErrorTheBuildPrintsItsProgressThereAndAtQuietVerbosityNothing()
    {
        var spec = _temp.Combine("qcqa.yaml");
        File.WriteAllText(spec, "models:\n  - path: model\n    variants:\n      - { name: a, mode: gqa, budget: 0.5 }\n");

        var normal = await CliRun.InvokeAsync("build", spec, "--out", _temp.Combine("out"));
        var quiet = await CliRun.InvokeAsync("build", spec, "--out", _temp.Combine("out"), "-v", "q");

        Assert.True(normal.ExitCode == 0, normal.Error);
        Assert.Contains("QCQA merge model/a: written (", normal.Error);
        Assert.Contains("QCQA: 1 variants written, 0 up to date in ", normal.Error);
        Assert.True(quiet.ExitCode == 0, quiet.Error);
        Assert.DoesNotContain("QCQA", quiet.Error);
        Assert.Empty(quiet.Output);
    }
}

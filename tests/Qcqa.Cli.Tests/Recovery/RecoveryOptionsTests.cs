using Qcqa.Cli.Commands.Merge;
using Qcqa.Cli.Commands.Search;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Recovery;

/// <summary>
/// The recovery options of the commands: <c>search --fitness aligned|wse</c>, <c>merge --method aligned|mean</c> and
/// <c>--calibration</c> on search, merge and build — their defaults, what each choice writes, and bad values reported
/// as one canonical line before anything is written.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class RecoveryOptionsTests : IDisposable
{
    private const int Heads = 6;
    private const int HeadDim = 10;
    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly string _grouping;

    public RecoveryOptionsTests()
    {
        _model = SyntheticModels.Write(_temp, SyntheticModels.Options(heads: Heads));
        _grouping = _temp.Combine("grouping.json");
        GroupingFile.Write(_grouping, ModelGrouping.Uniform(GroupingMode.Gqa, SyntheticModels.Layers, LayerGrouping.Gqa(Heads, 3)));
    }

    public void Dispose() => _temp.Dispose();

    private string Missing => _temp.Combine("no-such-text.txt");

    // ---- search --fitness ----

    [Fact]
    public void GivenNoFitnessTheSearchUsesTheAlignedOne()
    {
        var parse = QcqaApp.CreateRootCommand().Parse(["search", "m", "--kv-budget", "0.5"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("aligned", parse.GetValue(SearchCommandDefinition.FitnessOption));
    }

    [Fact]
    public async Task GivenAnUnknownFitnessTheSearchFailsWithOneLineListingTheChoicesAndWritesNothing()
    {
        var output = _temp.Combine("g.json");

        var run = await CliRun.InvokeAsync("search", _model, "--kv-budget", "0.5", "--fitness", "kl", "--out", output);

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("error QCQA003:", line);
        Assert.All(new[] { "'kl'", "aligned", "wse" }, word => Assert.Contains(word, line));
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("wse", false)]
    [InlineData("aligned", true)]
    public async Task GivenEachFitnessTheSearchWritesAGroupingWithinTheBudgetAndOnlyTheAlignedOneComputesTheAlignedFitness(string fitness, bool aligned)
    {
        var output = _temp.Combine("g.json");

        var run = await CliRun.InvokeAsync("search", _model, "--kv-budget", "0.5", "--fitness", fitness, "--out", output);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(GroupingFile.Read(output, [Heads, Heads, Heads]).KvHeadsTotal <= SyntheticModels.Layers * Heads / 2);
        Assert.Equal(aligned, run.Error.Contains("Aligned fitness of", StringComparison.Ordinal));
    }

    // ---- merge --method ----

    [Fact]
    public async Task GivenAnUnknownMergeMethodTheMergeFailsWithOneLineListingTheChoicesAndWritesNothing()
    {
        var output = _temp.Combine("out");

        var run = await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", output, "--method", "median");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("error QCQA003:", line);
        Assert.All(new[] { "'median'", "aligned", "mean" }, word => Assert.Contains(word, line));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task GivenMethodMeanEachKeyHeadOfTheMergeIsTheMeanOfItsGroupsHeads()
    {
        var output = _temp.Combine("mean");

        var run = await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", output, "--method", "mean");

        Assert.True(run.ExitCode == 0, run.Error);
        using var original = SafetensorsFile.Open(Path.Combine(_model, Checkpoint.SingleFileName));
        using var merged = SafetensorsFile.Open(Path.Combine(output, Checkpoint.SingleFileName));
        for (var layer = 0; layer < SyntheticModels.Layers; layer++)
        {
            var name = LlamaTensorNames.KeyWeight(layer);
            var heads = original.ReadAllDoubles(original.GetTensor(name));
            var got = merged.ReadAllDoubles(merged.GetTensor(name));
            var row = heads.Length / Heads;
            Assert.Equal(row * 3, got.Length);
            for (var i = 0; i < got.Length; i++)
            {
                var (group, offset) = (i / row, i % row);
                var mean = (heads[2 * group * row + offset] + heads[(2 * group + 1) * row + offset]) / 2;
                Assert.Equal(mean, got[i], 1e-6);
            }
        }
    }

    [Fact]
    public async Task GivenNoMethodTheMergeIsTheAlignedOneWhichDiffersFromTheMean()
    {
        var (byDefault, aligned, mean) = (_temp.Combine("default"), _temp.Combine("aligned"), _temp.Combine("mean"));

        var runs = new[]
        {
            await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", byDefault),
            await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", aligned, "--method", "aligned"),
            await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", mean, "--method", "mean"),
        };

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.Error));
        string Weights(string folder) => FolderSnapshot.HashFile(Path.Combine(folder, Checkpoint.SingleFileName));
        Assert.Equal(Weights(aligned), Weights(byDefault));
        Assert.NotEqual(Weights(mean), Weights(aligned));
        Assert.Contains("(aligned merge)", runs[0].Error);
    }

    // ---- --calibration ----

    [Theory]
    [InlineData("aligned")]
    [InlineData("wse")]
    public async Task GivenAMissingCalibrationTextTheSearchFailsNamingTheFileAndWritesNothing(string fitness)
    {
        var output = _temp.Combine("g.json");

        var run = await CliRun.InvokeAsync("search", _model, "--kv-budget", "0.5", "--fitness", fitness, "--calibration", Missing, "--out", output);

        AssertMissingCalibration(run);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("aligned")]
    [InlineData("mean")]
    public async Task GivenAMissingCalibrationTextTheMergeFailsNamingTheFileAndWritesNothing(string method)
    {
        var output = _temp.Combine("out");

        var run = await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", output, "--method", method, "--calibration", Missing);

        AssertMissingCalibration(run);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Path, "out.*"));
    }

    [Theory]
    [InlineData("aligned")]
    [InlineData("mean")]
    public async Task GivenAMissingCalibrationTextTheBuildFailsNamingTheFileAndWritesNothing(string merge)
    {
        var spec = _temp.Write("qcqa.yaml", $"models:\n  - path: model\n    variants:\n      - {{ name: a, mode: gqa, budget: 0.5, merge: {merge} }}\n");
        var output = _temp.Combine("out");

        var run = await CliRun.InvokeAsync("build", spec, "--out", output, "--calibration", Missing);

        AssertMissingCalibration(run);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task GivenACalibrationTextTheAlignedMergeIsWeightedByIt()
    {
        var text = _temp.Write("calib.txt", string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 60)));
        var (plain, calibrated) = (_temp.Combine("plain"), _temp.Combine("calibrated"));

        var runs = new[]
        {
            await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", plain),
            await CliRun.InvokeAsync("merge", _model, "--grouping", _grouping, "--out", calibrated, "--calibration", text),
        };

        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.Error));
        Assert.NotEqual(FolderSnapshot.HashFile(Path.Combine(plain, Checkpoint.SingleFileName)), FolderSnapshot.HashFile(Path.Combine(calibrated, Checkpoint.SingleFileName)));
        Assert.Contains("Calibrated on", runs[1].Error);
    }

    // One canonical QCQA050 line whose position is the missing file, and no stack trace.
    private void AssertMissingCalibration(CliRun run)
    {
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"{Missing}: error QCQA050: ", line);
        Assert.Contains("does not exist", line);
        Assert.DoesNotContain("   at ", run.Error);
    }
}

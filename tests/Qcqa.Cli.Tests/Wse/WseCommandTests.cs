using System.Text;
using Qcqa.Cli.Commands.Wse;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Synthetic;
using Qcqa.Core.Wse;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Wse;

/// <summary><c>dotnet qcqa wse</c>: parsing, the WSE it reports against a direct computation, and a grouping that does not fit.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class WseCommandTests : IDisposable
{
    private const int Heads = 8;
    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly string _grouping;
    private readonly ModelGrouping _written;

    public WseCommandTests()
    {
        _model = SyntheticModels.Write(_temp.Combine("model"), new SyntheticCheckpointOptions { Layers = 2, Heads = Heads, HeadDim = 6, Hidden = 24, Clusters = 3, Seed = 4 });
        // Layer 0 arbitrary (sizes 5, 2, 1), layer 1 GQA with 4 KV heads: 7 of 16 KV heads kept.
        _written = new ModelGrouping(GroupingMode.Custom,
        [
            new LayerGroupingEntry(0, LayerGrouping.FromGroups(Heads, [[0, 2, 4, 6, 7], [1, 3], [5]])),
            new LayerGroupingEntry(1, LayerGrouping.Gqa(Heads, 4)),
        ]);
        _grouping = _temp.Combine("grouping.json");
        GroupingFile.Write(_grouping, _written);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void GivenAModelAndAGroupingTheParseResultCarriesThem()
    {
        var parse = QcqaApp.CreateRootCommand().Parse(["wse", "m", "--grouping", "g.json", "--json"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(("m", "g.json", true),
            (parse.GetValue(WseCommandDefinition.ModelArgument), parse.GetValue(WseCommandDefinition.GroupingOption), parse.GetValue(WseCommandDefinition.JsonOption)));
    }

    [Fact]
    public void GivenNoGroupingParsingFailsNamingTheOption()
    {
        var error = Assert.Single(QcqaApp.CreateRootCommand().Parse(["wse", "m"]).Errors);
        Assert.Contains("--grouping", error.Message);
    }

    [Fact]
    public async Task GivenJsonItPrintsTheGroupingWithEachLayersWseAsComputedFromTheWeights()
    {
        var run = await CliRun.InvokeAsync("wse", _model, "--grouping", _grouping, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var printed = GroupingFile.Parse(Encoding.UTF8.GetBytes(run.Output), "stdout", [Heads, Heads]);
        using var checkpoint = Checkpoint.Open(_model);
        for (var layer = 0; layer < 2; layer++)
        {
            var gram = CheckpointGram.Compute(checkpoint, layer);
            var expected = WseCalculator.FromGram(gram, _written.Layers[layer].Grouping);
            Assert.Equal(_written.Layers[layer].Grouping.Groups, printed.Layers[layer].Grouping.Groups);
            Assert.Equal(expected, printed.Layers[layer].Wse!.Value, 9);
            Assert.Equal(WseCalculator.Relative(expected, gram), printed.Layers[layer].WseRelative!.Value, 12);
        }
        Assert.Equal(7, printed.KvHeadsTotal);
        Assert.Equal(GroupingMode.Custom, printed.Mode);
    }

    [Fact]
    public async Task WithoutJsonItPrintsOneRowPerLayerAndTheTotals()
    {
        var run = await CliRun.InvokeAsync("wse", _model, "--grouping", _grouping);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("KV heads kept: 7 of 16 (43.8% of the KV cache)", run.Output);
        Assert.Contains("WSE total: ", run.Output);
        var rows = run.Output.Split('\n').Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var layer0 = Assert.Single(rows, r => r.Length == 6 && r[0] == "0");
        var layer1 = Assert.Single(rows, r => r.Length == 6 && r[0] == "1");
        Assert.Equal(["3/8", "5,2,1", "n/a", "n/a"], [layer0[1], layer0[2], layer0[4], layer0[5]]); // 3 does not divide 8: no GQA to compare
        Assert.Equal(["4/8", "2x4", layer1[3], "0.0%"], [layer1[1], layer1[2], layer1[4], layer1[5]]); // it is GQA: no better or worse than itself
    }

    [Fact]
    public async Task GivenAGroupingForAnotherModelItFailsWithQcqa020NamingTheGroupingFile()
    {
        GroupingFile.Write(_grouping, ModelGrouping.Uniform(GroupingMode.Gqa, 3, LayerGrouping.Gqa(Heads, 2)));

        var run = await CliRun.InvokeAsync("wse", _model, "--grouping", _grouping);

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        // Positioned at the "layers" array of the written file (line 3, column 13).
        Assert.Contains($"{_grouping}(3,13): error QCQA020: The grouping has 3 layers but the model has 2.", line);
        Assert.Empty(run.Output);
    }
}

using Qcqa.Cli.Commands.Search;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Allocation;
using Qcqa.Core.Grouping;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Search;

/// <summary><c>dotnet qcqa search</c>: parsing, and runs on a small clustered synthetic model.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SearchCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _model;

    public SearchCommandTests()
    {
        _model = _temp.Combine("model");
        SyntheticLlamaCheckpoint.Write(_model, new SyntheticCheckpointOptions { Layers = 3, Heads = 8, HeadDim = 6, Hidden = 24, Clusters = 4, Seed = 9 });
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void GivenEveryOptionTheParseResultCarriesTheirValues()
    {
        var parse = QcqaApp.CreateRootCommand().Parse(["search", "m", "--mode", "equal", "--kv-budget", "0.25", "--per-layer", "--seed", "7", "--stage2", "paper", "--out", "g.json"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("equal", parse.GetValue(SearchCommandDefinition.ModeOption));
        Assert.Equal(0.25, parse.GetValue(SearchCommandDefinition.BudgetOption));
        Assert.True(parse.GetValue(SearchCommandDefinition.PerLayerOption));
        Assert.Equal(7, parse.GetValue(SearchCommandDefinition.SeedOption));
        Assert.Equal(Stage2Method.Paper, parse.GetValue(SearchCommandDefinition.Stage2Option));
    }

    [Fact]
    public void GivenAnUnknownModeParsingFailsAndNamesTheAllowedModes()
    {
        var parse = QcqaApp.CreateRootCommand().Parse(["search", "m", "--mode", "clever", "--kv-budget", "0.5"]);

        var error = Assert.Single(parse.Errors);
        Assert.Contains("arbitrary", error.Message);
    }

    [Fact]
    public async Task GivenAGlobalBudgetItWritesAGroupingThatMeetsItAndIsNoWorseThanGqa()
    {
        var grouping = _temp.Combine("grouping.json");
        var fronts = _temp.Combine("fronts.json");

        var run = await CliRun.InvokeAsync("search", _model, "--mode", "arbitrary", "--kv-budget", "0.5", "--out", grouping, "--fronts", fronts);

        Assert.True(run.ExitCode == 0, run.Error);
        var result = GroupingFile.Read(grouping, [8, 8, 8]);
        Assert.True(result.KvHeadsTotal <= 12);
        var gqa = await CliRun.InvokeAsync("search", _model, "--mode", "gqa", "--kv-budget", "0.5", "--per-layer", "--out", _temp.Combine("gqa.json"));
        Assert.True(result.WseTotal <= GroupingFile.Read(_temp.Combine("gqa.json")).WseTotal);
        Assert.Contains("KV heads kept: ", run.Output);
        Assert.True(File.Exists(fronts));
    }

    [Fact]
    public async Task GivenTimingsItWritesTheSplitWithTheKvBytesItRead()
    {
        var timings = _temp.Combine("timings.json");

        var run = await CliRun.InvokeAsync("search", _model, "--mode", "arbitrary", "--kv-budget", "0.5", "--threads", "2", "--timings", timings);

        Assert.True(run.ExitCode == 0, run.Error);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(timings))!;
        // 3 layers, K and V, 8 heads × 6 × width 24, F32.
        Assert.Equal(3 * 2 * 8 * 6 * 24 * 4, (long)json["bytes_read"]!);
        Assert.Equal(2, (int)json["statistics_threads"]!);
        foreach (var key in new[] { "start_up_seconds", "statistics_seconds", "stage1_seconds", "stage1_cpu_seconds", "search_seconds", "total_cpu_seconds" })
            Assert.True((double)json[key]! > 0, key);
        Assert.True((double)json["search_seconds"]! >= (double)json["stage1_seconds"]! + (double)json["statistics_seconds"]!);
    }

    [Fact]
    public async Task GivenEqualModeAndAPerLayerBudgetEveryLayerHasEqualGroupsOfTheNearestDivisor()
    {
        var grouping = _temp.Combine("grouping.json");

        var run = await CliRun.InvokeAsync("search", _model, "--mode", "equal", "--kv-budget", "0.3", "--per-layer", "--out", grouping);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.All(GroupingFile.Read(grouping).Layers, l =>
        {
            Assert.True(l.Grouping.IsEqualCardinality);
            Assert.Equal(2, l.Grouping.GroupCount); // round(0.3 × 8) = 2, a divisor of 8
        });
    }

    [Fact]
    public async Task GivenNoBudgetItFailsWithACanonicalErrorAndWritesNothing()
    {
        var grouping = _temp.Combine("grouping.json");

        var run = await CliRun.InvokeAsync("search", _model, "--mode", "equal", "--out", grouping);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QCQA003: --kv-budget is required", Assert.Single(run.ErrorLines));
        Assert.False(File.Exists(grouping));
    }
}

using System.Text.Json.Nodes;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Families;

/// <summary>
/// <c>search</c> and <c>merge</c> end to end on Phi-3 and GPT-NeoX checkpoints, with the default recovery (the aligned
/// fitness and the aligned merge, partial rotary included) and with the paper's recipe.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class FamilyCommandTests : IDisposable
{
    private const int Heads = 6;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string, string> Runs => new()
    {
        { "phi3", "equal", "aligned" },
        { "phi3", "arbitrary", "mean" },
        { "gpt_neox", "equal", "aligned" },
        { "gpt_neox", "arbitrary", "mean" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task SearchAndMergeWriteACheckpointOfTheSameFamilyWithinTheBudget(string family, string mode, string method)
    {
        var options = new FamilyFixtureOptions { Heads = Heads, HeadDim = 8, RotaryFraction = family == "phi3" ? 1.0 : 0.25 };
        var model = family == "phi3" ? FamilyFixtures.WritePhi3(_temp.Combine("model"), options) : FamilyFixtures.WriteGptNeox(_temp.Combine("model"), options);
        var grouping = _temp.Combine("grouping.json");
        var output = _temp.Combine("out");
        var fitness = method == "aligned" ? "aligned" : "wse";

        var search = await CliRun.InvokeAsync("search", model, "--mode", mode, "--kv-budget", "0.5", "--fitness", fitness, "--out", grouping);
        var merge = await CliRun.InvokeAsync("merge", model, "--grouping", grouping, "--out", output, "--method", method);

        Assert.True(search.ExitCode == 0, search.Error);
        Assert.True(merge.ExitCode == 0, merge.Error);
        using var merged = Checkpoint.Open(output);
        Assert.Equal(family, merged.Family.Name);
        Assert.True(merged.KvHeadsPerLayer.Sum() <= Heads, $"{merged.KvHeadsPerLayer.Sum()} KV heads kept");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!.AsObject();
        // Phi-3 declares its KV heads (a standard GQA checkpoint for an equal grouping); GPT-NeoX has no such key.
        Assert.Equal(family == "phi3", config.ContainsKey("num_key_value_heads"));
        if (family == "phi3" && mode == "equal")
            Assert.Equal("gqa", (string?)config["qcqa"]!["form"]);
        Assert.Equal(GroupingFile.Read(grouping, [Heads, Heads]).Layers.Select(l => l.Grouping.GroupCount), merged.KvHeadsPerLayer);
    }
}

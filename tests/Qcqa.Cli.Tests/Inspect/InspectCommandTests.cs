using System.Text.Json.Nodes;
using Qcqa.Cli.Commands.Inspect;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Inspect;

/// <summary><c>dotnet qcqa inspect</c>: parsing, the table and the JSON on a small model, and a missing folder.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class InspectCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _model;

    public InspectCommandTests()
    {
        // 3 layers of 8 query heads over 4 KV heads of size 6, BF16: every number the command prints differs.
        _model = SyntheticModels.Write(_temp.Combine("model"), new SyntheticCheckpointOptions
        {
            Layers = 3, Heads = 8, KvHeads = 4, HeadDim = 6, Hidden = 48, Intermediate = 32, Vocab = 40, Dtype = SafetensorsDtype.BF16, Seed = 5,
        });
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void GivenAModelAndJsonTheParseResultCarriesBoth()
    {
        var parse = QcqaApp.CreateRootCommand().Parse(["inspect", "models/x", "--json"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("models/x", parse.GetValue(InspectCommandDefinition.ModelArgument));
        Assert.True(parse.GetValue(InspectCommandDefinition.JsonOption));
    }

    [Fact]
    public void GivenNoModelFolderParsingFails()
    {
        Assert.NotEmpty(QcqaApp.CreateRootCommand().Parse(["inspect"]).Errors);
    }

    [Fact]
    public async Task GivenAModelTheTableShowsItsShapeAndOneRowPerLayer()
    {
        var run = await CliRun.InvokeAsync("inspect", _model);

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("layers         3", lines);
        Assert.Contains("heads          8 query, 4 KV, head size 6, width 48", lines);
        Assert.Contains("dtype          BF16", lines);
        Assert.Contains(lines, l => l.StartsWith("KV cache", StringComparison.Ordinal) && l.EndsWith("bytes per token", StringComparison.Ordinal));
        // One row per layer: index, 8 query heads, 4 KV heads, GQA at 50 % keeps 2.
        Assert.Equal(3, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^[0-2]\s+8\s+4\s+2\s+0\.\d{4}$")));
    }

    [Fact]
    public async Task GivenJsonItPrintsTheInspectionWithTheCheckpointsOwnNumbers()
    {
        var run = await CliRun.InvokeAsync("inspect", _model, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var json = JsonNode.Parse(run.Output)!;
        using var checkpoint = Checkpoint.Open(_model);
        Assert.Equal(3, (int)json["layers"]!);
        Assert.Equal((8, 4, 6), ((int)json["query_heads"]!, (int)json["kv_heads"]!, (int)json["head_dim"]!));
        Assert.Equal(checkpoint.ParameterCount, (long)json["parameter_count"]!);
        Assert.Equal(checkpoint.KvCacheBytesPerToken, (long)json["kv_cache_bytes_per_token"]!);
        var layers = json["per_layer"]!.AsArray();
        Assert.Equal([0, 1, 2], layers.Select(l => (int)l!["index"]!));
        Assert.All(layers, l =>
        {
            Assert.Equal(2, (int)l!["gqa_half_groups"]!);
            Assert.InRange((double)l["gqa_half_wse_relative"]!, 0.0, 1.0);
        });
    }

    [Fact]
    public async Task GivenAFolderThatDoesNotExistItFailsWithQcqa001()
    {
        var missing = _temp.Combine("nothing-here");

        var run = await CliRun.InvokeAsync("inspect", missing);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{missing}: error QCQA001:", Assert.Single(run.ErrorLines));
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task TheTableAndTheJsonNameTheModelsFamily()
    {
        var neox = FamilyFixtures.WriteGptNeox(_temp.Combine("neox"), new FamilyFixtureOptions { Heads = 4, HeadDim = 8 });
        var phi3 = FamilyFixtures.WritePhi3(_temp.Combine("phi3"), new FamilyFixtureOptions { Heads = 4, KvHeads = 2, HeadDim = 8 });

        var llamaRun = await CliRun.InvokeAsync("inspect", _model);
        var neoxRun = await CliRun.InvokeAsync("inspect", neox);
        var phi3Run = await CliRun.InvokeAsync("inspect", phi3, "--json");

        Assert.True(neoxRun.ExitCode == 0, neoxRun.Error);
        Assert.Contains("family         llama: separate q_proj/k_proj/v_proj/o_proj", llamaRun.Output);
        Assert.Contains("family         gpt_neox: fused query_key_value rows interleaved per head", neoxRun.Output);
        Assert.Contains("heads          4 query, 4 KV, head size 8, width 32", neoxRun.Output);
        var json = JsonNode.Parse(phi3Run.Output)!;
        Assert.Equal("phi3", (string?)json["family"]);
        Assert.Equal(2, (int)json["kv_heads"]!);
    }

    [Fact]
    public async Task GivenAnUnsupportedArchitectureItFailsListingTheSupportedOnes()
    {
        var model = _temp.Combine("gpt2");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "config.json"),
            """{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "num_attention_heads": 4, "hidden_size": 32, "num_hidden_layers": 2}""");

        var run = await CliRun.InvokeAsync("inspect", model);

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("config.json(1,2): error QCQA013: The model's architecture 'GPT2LMHeadModel' is not supported.", line);
        Assert.Contains("Phi3ForCausalLM (phi3); GPTNeoXForCausalLM (gpt_neox)", line);
    }
}

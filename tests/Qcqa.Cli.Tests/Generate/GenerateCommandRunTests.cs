using System.Text.RegularExpressions;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Generate;

/// <summary><c>dotnet qcqa generate</c> run in process on a tiny byte-level synthetic checkpoint and its compressed forms.</summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class GenerateCommandRunTests : IDisposable
{
    private const string Prompt = "QCQA shares keys";
    private readonly TempFolder _temp = new();
    private readonly string _model;

    public GenerateCommandRunTests()
    {
        _model = _temp.Combine("model");
        SyntheticLlamaCheckpoint.Write(_model, new SyntheticCheckpointOptions
        {
            Layers = 2, Heads = 4, HeadDim = 6, Hidden = 24, Intermediate = 32, Vocab = 256, Dtype = SafetensorsDtype.BF16, WeightStd = 0.1,
        });
    }

    public void Dispose() => _temp.Dispose();

    [GeneratedRegex(@"KV cache\s+(\d+) bytes per token")]
    private static partial Regex KvBytes();

    [GeneratedRegex(@"speed\s+([0-9.]+) tokens/s")]
    private static partial Regex Speed();

    private static string Continuation(CliRun run) => run.Output[..run.Output.IndexOf("\n\ntokens ", StringComparison.Ordinal)];

    [Fact]
    public async Task ItStreamsThePromptAndItsContinuationThenTheMeasuredKvBytesAndSpeed()
    {
        var run = await CliRun.InvokeAsync("generate", _model, "--prompt", Prompt, "--max-new-tokens", "12");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith(Prompt, run.Output);
        Assert.Contains($"tokens     {Prompt.Length} prompt + 12 generated (stopped at --max-new-tokens)", run.Output);
        // 2 layers × 4 KV heads × 6 values × K and V × 4 bytes (float32 cache).
        Assert.Equal(2 * 4 * 6 * 2 * 4, int.Parse(KvBytes().Match(run.Output).Groups[1].Value));
        Assert.True(double.Parse(Speed().Match(run.Output).Groups[1].Value) > 0, run.Output);
    }

    [Fact]
    public async Task GreedyRunsRepeatAndSeededSamplingRepeatsWithItsSeed()
    {
        var greedy1 = await CliRun.InvokeAsync("generate", _model, "-p", Prompt, "-n", "16");
        var greedy2 = await CliRun.InvokeAsync("generate", _model, "-p", Prompt, "-n", "16");
        var sampled1 = await CliRun.InvokeAsync("generate", _model, "-p", Prompt, "-n", "16", "--temperature", "1.5", "--seed", "3");
        var sampled2 = await CliRun.InvokeAsync("generate", _model, "-p", Prompt, "-n", "16", "--temperature", "1.5", "--seed", "3");

        Assert.Equal(Continuation(greedy1), Continuation(greedy2));
        Assert.Equal(Continuation(sampled1), Continuation(sampled2));
        Assert.NotEqual(Continuation(greedy1), Continuation(sampled1));
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(1, true)]
    public async Task ACompressedCheckpointGeneratesWithItsSmallerCache(int groups, bool arbitrary)
    {
        var output = _temp.Combine($"merged-{groups}-{arbitrary}");
        using (var input = Checkpoint.Open(_model))
        {
            // Equal groups give a standard GQA checkpoint; groups of sizes 3 and 1 the per-layer map form.
            var layer = arbitrary ? LayerGrouping.FromGroups(4, [[0, 1, 2], [3]]) : LayerGrouping.Gqa(4, groups);
            CheckpointMerger.Merge(input, ModelGrouping.Uniform("custom", 2, layer), output);
        }

        var run = await CliRun.InvokeAsync("generate", output, "-p", Prompt, "-n", "8");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith(Prompt, run.Output);
        var kvHeads = arbitrary ? 2 : groups;
        Assert.Equal(2 * kvHeads * 6 * 2 * 4, int.Parse(KvBytes().Match(run.Output).Groups[1].Value));
    }

    [Fact]
    public async Task TooManyNewTokensForTheContextIsAnErrorBeforeLoadingWeights()
    {
        var run = await CliRun.InvokeAsync("generate", _model, "-p", Prompt, "-n", "5000");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QCQA003", run.Error);
        Assert.Contains("max_position_embeddings (2048)", run.Error);
    }

    [Fact]
    public async Task AModelWithoutTokenizerNamesTheMissingFile()
    {
        File.Delete(Path.Combine(_model, "tokenizer.json"));
        File.WriteAllText(Path.Combine(_model, "config.json"), File.ReadAllText(Path.Combine(_model, "config.json")).Replace("\"vocab_size\": 256", "\"vocab_size\": 300"));

        var run = await CliRun.InvokeAsync("generate", _model, "-p", Prompt);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{Path.Combine(_model, "tokenizer.json")}: error QCQA051", run.Error);
    }
}

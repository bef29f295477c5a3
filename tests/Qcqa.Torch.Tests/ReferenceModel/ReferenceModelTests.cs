using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Qcqa.Core.Checkpoints;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Text;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Xunit.Abstractions;

namespace Qcqa.Torch.Tests.ReferenceModel;

/// <summary>
/// The shipped reference model is what its recorded metrics say: an MHA Llama that the library's evaluator scores at
/// exactly the recorded held-out perplexity, on exactly the recorded held-out text.
/// </summary>
public sealed class ReferenceModelTests
{
    private readonly ITestOutputHelper _output;

    public ReferenceModelTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.EnsureInitialized();
    }

    [Fact]
    public void TheHeldOutTextIsTheOneTheMetricsWereRecordedOn()
    {
        using var metrics = ShippedReferenceModel.ReadMetrics();
        var root = metrics.RootElement;

        var bytes = File.ReadAllBytes(ShippedReferenceModel.HeldOutPath);

        Assert.Equal(root.GetProperty("heldout_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(root.GetProperty("heldout_bytes").GetInt64(), bytes.Length);
    }

    [Fact]
    public void TheModelIsAnMhaLlamaWithAtLeastSixLayersAndTwelveHeads()
    {
        using var checkpoint = Checkpoint.Open(ShippedReferenceModel.Folder);
        var config = CheckpointModelLoader.ReadConfig(checkpoint);

        Assert.True(config.NumHiddenLayers >= 6, $"{config.NumHiddenLayers} layers");
        Assert.True(config.NumAttentionHeads >= 12, $"{config.NumAttentionHeads} heads");
        Assert.True(checkpoint.Config.DeclaresKeyValueHeads);
        Assert.Equal(config.NumAttentionHeads, checkpoint.Config.NumKeyValueHeads);
        Assert.Null(checkpoint.Config.Qcqa);
    }

    [Fact]
    public void TheLibraryEvaluatorReproducesTheRecordedHeldOutPerplexity()
    {
        using var metrics = ShippedReferenceModel.ReadMetrics();
        var root = metrics.RootElement;
        var evaluation = root.GetProperty("evaluation");
        Assert.Equal(JsonValueKind.Null, evaluation.GetProperty("max_tokens").ValueKind);
        var options = new EvaluationOptions
        {
            Perplexity = new PerplexityOptions
            {
                WindowSize = evaluation.GetProperty("window").GetInt32(),
                BatchSize = evaluation.GetProperty("batched_windows").GetInt32(),
            },
        };
        var text = TokenizedText.Load(ModelTokenizer.Load(ShippedReferenceModel.Folder), ShippedReferenceModel.HeldOutPath);

        var clock = Stopwatch.StartNew();
        var result = CheckpointEvaluation.Run(ShippedReferenceModel.Folder, text, options, "cpu");
        _output.WriteLine($"perplexity {result.Perplexity:F8} over {result.ScoredTokens} tokens in {result.Windows} windows, {clock.Elapsed.TotalSeconds:F1} s");

        var recorded = root.GetProperty("heldout_perplexity").GetDouble();
        Assert.True(Math.Abs(result.Perplexity - recorded) <= 1e-5 * recorded, $"perplexity {result.Perplexity:R}, recorded {recorded:R}");
        Assert.Equal(evaluation.GetProperty("scored_tokens").GetInt64(), result.ScoredTokens);
        Assert.Equal(evaluation.GetProperty("windows_count").GetInt32(), result.Windows);
        Assert.Equal(root.GetProperty("heldout_bytes").GetInt64(), result.Tokens);
        var unigram = root.GetProperty("unigram_perplexity").GetDouble();
        Assert.True(result.Perplexity * 4 < unigram, $"perplexity {result.Perplexity}, unigram {unigram}");
    }
}

using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Tests.Llama;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Streaming;

/// <summary>
/// A checkpoint run one decoder layer at a time computes what the whole float32 model computes: the same modules,
/// the same operations in the same order, so the logits agree to the last bit (the tolerance is 1e-5), on
/// every family and layout the runtime supports.
/// </summary>
public sealed class StreamedDecoderTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Models => ["llama-mha", "llama-gqa", "llama-bf16-biases-shards", "per-layer-map", "phi3", "gpt-neox-parallel", "gpt-neox-sequential"];

    [Theory]
    [MemberData(nameof(Models))]
    public void StreamedLogitsEqualTheWholeModels(string kind)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = Write(temp, kind);
        var tokens = ModelRuns.Tokens(64, 2, 12, seed: 7);

        var whole = ModelRuns.Logits(folder, tokens);
        var streamed = StreamedLogits(folder, tokens, LayerResidency.Streamed);
        var resident = StreamedLogits(folder, tokens, LayerResidency.Resident);

        Assert.True(ModelRuns.MaxDifference(whole, streamed) <= Tolerance, $"streamed differs by {ModelRuns.MaxDifference(whole, streamed)}");
        TensorAssert.Identical(streamed, resident);
    }

    [Fact]
    public void BatchesOfDifferentLengthsInOnePassGetTheirOwnLogits()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        var first = ModelRuns.Tokens(64, 2, 12, seed: 1);
        var second = ModelRuns.Tokens(64, 1, 5, seed: 2);

        using var checkpoint = Checkpoint.Open(folder);
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Residency = LayerResidency.Streamed });
        var decoder = new StreamedDecoder(weights);
        var finals = decoder.FinalHidden([first, second]);

        Assert.True(ModelRuns.MaxDifference(ModelRuns.Logits(folder, first), decoder.Logits(finals[0])) <= Tolerance);
        Assert.True(ModelRuns.MaxDifference(ModelRuns.Logits(folder, second), decoder.Logits(finals[1])) <= Tolerance);
    }

    [Fact]
    public void APerplexitySplitIntoManyStreamedPassesIsTheWholeModelsToTheLastBit()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        var tokens = ModelRuns.Tokens(64, 1, 203, seed: 4)[0].data<long>().ToArray();
        var options = new PerplexityOptions { WindowSize = 16, BatchSize = 3 };

        PerplexityResult whole;
        using (var checkpoint = Checkpoint.Open(folder))
        using (var model = CheckpointModelLoader.Load(checkpoint))
            whole = PerplexityEvaluator.Evaluate(model, tokens, options);
        using var open = Checkpoint.Open(folder);
        using var weights = CheckpointDecoderWeights.Open(open, new StreamingOptions { Residency = LayerResidency.Streamed });
        // 2 batches of 3 windows per pass: 12 full windows and the tail take 3 passes over the layers.
        var streamed = PerplexityEvaluator.Evaluate(new StreamedDecoder(weights), tokens, options with { TokensPerPass = 96 });

        Assert.Equal(whole.MeanNll, streamed.MeanNll);
        Assert.Equal((whole.ScoredTokens, whole.Windows), (streamed.ScoredTokens, streamed.Windows));
    }

    [Fact]
    public void GenerationThroughStreamedLayersMatchesTheWholeModelTokenForToken()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        long[] prompt = [3, 9, 27, 17, 51];
        var options = new GenerationOptions { MaxNewTokens = 6 };

        GenerationResult whole;
        using (var checkpoint = Checkpoint.Open(folder))
        using (var model = CheckpointModelLoader.Load(checkpoint))
            whole = LlamaGenerator.Generate(model, prompt, options);
        using var open = Checkpoint.Open(folder);
        using var weights = CheckpointDecoderWeights.Open(open, new StreamingOptions { Residency = LayerResidency.Streamed });
        var streamed = LlamaGenerator.Generate(new StreamedDecoder(weights), prompt, options);

        Assert.Equal(whole.Tokens, streamed.Tokens);
        Assert.Equal(whole.KvCacheBytes, streamed.KvCacheBytes);
    }

    [Fact]
    public void AutomaticResidencyKeepsASmallModelAndStreamsOneLargerThanItsShare()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        using var checkpoint = Checkpoint.Open(folder);

        using var roomy = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { ResidentBytes = 1L << 30 });
        using var tight = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { ResidentBytes = 1000 });

        Assert.True(roomy.Resident);
        Assert.False(tight.Resident);
    }

    private static Tensor StreamedLogits(string folder, Tensor tokens, LayerResidency residency)
    {
        using var checkpoint = Checkpoint.Open(folder);
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Residency = residency });
        var decoder = new StreamedDecoder(weights);
        using var noGrad = no_grad();
        var final = decoder.FinalHidden([tokens])[0];
        return decoder.Logits(final);
    }

    private static string Write(TempFolder temp, string kind)
    {
        var family = new FamilyFixtureOptions { Heads = 6, HeadDim = 8 };
        switch (kind)
        {
            case "llama-mha": return SyntheticModels.Write(temp, SyntheticModels.Small);
            case "llama-gqa": return SyntheticModels.Write(temp, SyntheticModels.Small with { KvHeads = 2, Clusters = null });
            case "llama-bf16-biases-shards":
                return SyntheticModels.Write(temp, SyntheticModels.Small with { Dtype = SafetensorsDtype.BF16, Biases = true, Shards = 2 });
            case "per-layer-map":
                var input = SyntheticModels.Write(temp, SyntheticModels.Small);
                var output = temp.Combine("merged");
                using (var checkpoint = Checkpoint.Open(input))
                {
                    var heads = checkpoint.Config.NumAttentionHeads;
                    var grouping = RandomGroupings.ArbitraryCardinality(heads, Enumerable.Range(0, checkpoint.LayerCount).Select(l => 1 + l % (heads - 1)).ToArray(), seed: 3);
                    CheckpointMerger.Merge(checkpoint, grouping, output);
                }
                return output;
            case "phi3": return FamilyFixtures.WritePhi3(temp.Combine("phi3"), family);
            case "gpt-neox-parallel": return FamilyFixtures.WriteGptNeox(temp.Combine("neox"), family with { RotaryFraction = 0.25, ParallelResidual = true });
            default: return FamilyFixtures.WriteGptNeox(temp.Combine("neox"), family with { RotaryFraction = 0.25, ParallelResidual = false });
        }
    }
}

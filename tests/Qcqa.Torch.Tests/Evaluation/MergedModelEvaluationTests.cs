using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.Merging;
using Qcqa.Torch.Tests.TestSupport;

namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>Evaluation sees merged checkpoints exactly as the models they are meant to be.</summary>
public sealed class MergedModelEvaluationTests
{
    private const int Heads = 6;
    private static readonly long[] Text = Enumerable.Range(0, 150).Select(i => (long)((i * i + 3 * i) % 256)).ToArray();
    private static readonly EvaluationOptions Options = new() { Perplexity = new PerplexityOptions { WindowSize = 32 } };

    [Theory]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.BF16)]
    public void AnIdentityGroupedModelEvaluatesExactlyLikeTheOriginal(SafetensorsDtype dtype)
    {
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(dtype, biases: true, vocab: 256));
        var merged = MergeExactnessTests.Merge(input, ModelGrouping.Uniform(GroupingMode.Custom, SyntheticModels.Layers, LayerGrouping.Identity(Heads)), temp.Combine("out"));

        var original = Evaluate(input);
        var identity = Evaluate(merged);

        Assert.Equal(original.Perplexity, identity.Perplexity);
        Assert.Equal(original.ScoredTokens, identity.ScoredTokens);
    }

    [Fact]
    public void APerLayerMapCheckpointEvaluatesExactlyLikeTheInMemoryMergedModel()
    {
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(SafetensorsDtype.BF16, vocab: 256));
        var grouping = RandomGroupings.ArbitraryCardinality(Heads, [2, 5, 3], seed: 41);
        var merged = MergeExactnessTests.Merge(input, grouping, temp.Combine("out"), MergeForm.PerLayerMap);

        var fromDisk = Evaluate(merged);
        var inMemory = EvaluateMerged(input, grouping);

        Assert.Equal(inMemory.Perplexity, fromDisk.Perplexity);
        Assert.NotEqual(Evaluate(input).Perplexity, fromDisk.Perplexity);
    }

    [Fact]
    public void AStandardGqaCheckpointEvaluatesLikeTheInMemoryMergedModelToFloat32Rounding()
    {
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(SafetensorsDtype.F32, biases: true, vocab: 256));
        var grouping = RandomGroupings.EqualCardinality(SyntheticModels.Layers, Heads, groups: 2, seed: 42);
        var merged = MergeExactnessTests.Merge(input, grouping, temp.Combine("out"), MergeForm.StandardGqa);

        var fromDisk = Evaluate(merged);
        var inMemory = EvaluateMerged(input, grouping);

        // Query heads are reordered on disk, so o_proj sums in another order (logits differ by ~1e-6).
        Assert.Equal(1.0, fromDisk.Perplexity / inMemory.Perplexity, 6);
    }

    private static EvaluationResult Evaluate(string folder)
    {
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);
        return ModelEvaluator.Evaluate(model, Text, Options);
    }

    private static EvaluationResult EvaluateMerged(string folder, ModelGrouping grouping)
    {
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.LoadMerged(checkpoint, grouping);
        return ModelEvaluator.Evaluate(model, Text, Options);
    }
}

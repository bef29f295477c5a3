using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Tests.Llama;
using Qcqa.Torch.Tests.TestSupport;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Merging;

/// <summary>
/// A merged checkpoint, loaded from disk, computes exactly "the original model with merged K/V" (built in memory by
/// <c>CheckpointModelLoader.LoadMerged</c>, which rounds the means to the stored dtype as the writer does).
/// </summary>
/// <remarks>
/// Per-layer-map checkpoints keep q/o untouched, so both sides run the same float32 numbers through the same
/// kernels: the logits are bit-identical, in BF16 as in F32. Standard-GQA checkpoints reorder query heads and the
/// columns of o_proj, so o_proj sums the same products in another order: the logits agree to float32 rounding
/// (observed up to 1.0e-6 here; the bound 1e-5 is far below the ≈ 2 effect of the merge itself), whatever the stored
/// dtype, because the BF16 means are rounded identically on both sides.
/// </remarks>
public sealed class MergeExactnessTests
{
    private readonly ITestOutputHelper _output;

    public MergeExactnessTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private const double ReorderedSumRounding = 1e-5;
    private const int Heads = 6;

    public static TheoryData<SafetensorsDtype, bool, int> Variants => new()
    {
        { SafetensorsDtype.F32, false, 1 },
        { SafetensorsDtype.F32, true, 3 },
        { SafetensorsDtype.BF16, true, 1 },
        { SafetensorsDtype.BF16, false, 3 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void AnIdentityGroupingWritesACheckpointWhoseLogitsAreBitIdentical(SafetensorsDtype dtype, bool biases, int shards)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(dtype, biases, shards));
        var grouping = ModelGrouping.Uniform(GroupingMode.Custom, SyntheticModels.Layers, LayerGrouping.Identity(Heads));
        var merged = Merge(input, grouping, temp.Combine("out"));
        var tokens = ModelRuns.Tokens(64, 2, 12, seed: 1);

        TensorAssert.Identical(ModelRuns.Logits(input, tokens), ModelRuns.Logits(merged, tokens));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void AnEqualCardinalityMergeRunsAsTheInMemoryMergedModelAndAsPlainGqa(SafetensorsDtype dtype, bool biases, int shards)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(dtype, biases, shards));
        var grouping = RandomGroupings.EqualCardinality(SyntheticModels.Layers, Heads, groups: 3, seed: 11);
        var merged = Merge(input, grouping, temp.Combine("out"), MergeForm.StandardGqa);
        var tokens = ModelRuns.Tokens(64, 2, 12, seed: 2);

        var fromDisk = ModelRuns.Logits(merged, tokens);
        var inMemory = ModelRuns.MergedLogits(input, grouping, tokens);
        var asPlainGqa = ModelRuns.Logits(merged, tokens, ignoreQcqaBlock: true);
        var original = ModelRuns.Logits(input, tokens);

        var difference = ModelRuns.MaxDifference(inMemory, fromDisk);
        _output.WriteLine($"{dtype}: max |in memory − from disk| = {difference:G3}; merge effect {ModelRuns.MaxDifference(original, inMemory):G3}");
        Assert.True(difference <= ReorderedSumRounding, $"max |difference| = {difference:G4}");
        TensorAssert.Identical(fromDisk, asPlainGqa);
        Assert.True(ModelRuns.MaxDifference(original, inMemory) > 1e-3, "the merge should change the model");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void AnArbitraryCardinalityMergeWritesPerLayerMapsThatRunAsTheInMemoryMergedModel(SafetensorsDtype dtype, bool biases, int shards)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(dtype, biases, shards));
        var grouping = RandomGroupings.ArbitraryCardinality(Heads, [2, 4, 1], seed: 12);
        var merged = Merge(input, grouping, temp.Combine("out"), MergeForm.PerLayerMap);
        var tokens = ModelRuns.Tokens(64, 2, 12, seed: 3);

        var fromDisk = ModelRuns.Logits(merged, tokens);
        var inMemory = ModelRuns.MergedLogits(input, grouping, tokens);

        _output.WriteLine($"{dtype}: max |in memory − from disk| = {ModelRuns.MaxDifference(inMemory, fromDisk):G3}");
        TensorAssert.Identical(inMemory, fromDisk);
        Assert.True(ModelRuns.MaxDifference(ModelRuns.Logits(input, tokens), inMemory) > 1e-3, "the merge should change the model");
    }

    [Fact]
    public void EqualGroupsWithADifferentCountPerLayerAlsoRunAsTheInMemoryMergedModel()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(SafetensorsDtype.BF16, biases: true));
        var grouping = new ModelGrouping(GroupingMode.Equal,
        [
            new LayerGroupingEntry(0, LayerGrouping.FromGroups(Heads, [[0, 4], [1, 5], [2, 3]])),
            new LayerGroupingEntry(1, LayerGrouping.FromGroups(Heads, [[0, 2, 5], [1, 3, 4]])),
            new LayerGroupingEntry(2, LayerGrouping.Identity(Heads)),
        ]);
        var merged = Merge(input, grouping, temp.Combine("out"), MergeForm.PerLayerMap);
        var tokens = ModelRuns.Tokens(64, 1, 16, seed: 4);

        TensorAssert.Identical(ModelRuns.MergedLogits(input, grouping, tokens), ModelRuns.Logits(merged, tokens));
    }

    [Fact]
    public void APerLayerMapCheckpointCannotBeRunAsPlainGqa()
    {
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options());
        // num_key_value_heads becomes 3, which divides the 6 heads, but layer 1 keeps only 2 KV heads.
        var merged = Merge(input, RandomGroupings.ArbitraryCardinality(Heads, [3, 2, 3], seed: 5), temp.Combine("out"), MergeForm.PerLayerMap);
        using var checkpoint = Checkpoint.Open(merged);

        var error = Assert.Throws<QcqaException>(() => Qcqa.Torch.Loading.CheckpointModelLoader.Load(checkpoint, new() { IgnoreQcqaBlock = true }));

        Assert.Equal(ErrorCodes.ShapeMismatch, error.Code);
    }

    internal static string Merge(string input, ModelGrouping grouping, string output, MergeForm? expectedForm = null)
    {
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, grouping, output);
        if (expectedForm is { } form) Assert.Equal(form, result.Form);
        return output;
    }
}

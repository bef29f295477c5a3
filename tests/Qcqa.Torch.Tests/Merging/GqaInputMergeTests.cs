using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Tests.Llama;
using Qcqa.Torch.Tests.TestSupport;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Merging;

/// <summary>
/// A model that already uses GQA (8 query heads, 4 KV heads) is grouped further: its KV heads are the units, each
/// keeping its two query heads, and the result still computes the in-memory merged model.
/// </summary>
public sealed class GqaInputMergeTests
{
    private readonly ITestOutputHelper _output;

    public GqaInputMergeTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private const int Units = 4;

    [Theory]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.BF16)]
    public void GroupingAGqaModelInEqualGroupsGivesAStandardGqaCheckpointThatRunsAsTheInMemoryModel(SafetensorsDtype dtype)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(dtype, biases: true, heads: 8, kvHeads: Units));
        var grouping = RandomGroupings.EqualCardinality(SyntheticModels.Layers, Units, groups: 2, seed: 21);
        var merged = MergeExactnessTests.Merge(input, grouping, temp.Combine("out"), MergeForm.StandardGqa);
        var tokens = ModelRuns.Tokens(64, 2, 10, seed: 5);

        var fromDisk = ModelRuns.Logits(merged, tokens);
        var inMemory = ModelRuns.MergedLogits(input, grouping, tokens);
        var difference = ModelRuns.MaxDifference(inMemory, fromDisk);

        _output.WriteLine($"{dtype}: max |in memory − from disk| = {difference:G3}");
        Assert.True(difference <= 1e-5, $"max |difference| = {difference:G4}");
        TensorAssert.Identical(fromDisk, ModelRuns.Logits(merged, tokens, ignoreQcqaBlock: true));
        Assert.True(ModelRuns.MaxDifference(ModelRuns.Logits(input, tokens), inMemory) > 1e-3, "the merge should change the model");
    }

    [Theory]
    [InlineData(SafetensorsDtype.F32, 1)]
    [InlineData(SafetensorsDtype.BF16, 2)]
    public void GroupingAGqaModelInArbitraryGroupsGivesPerLayerMapsThatRunAsTheInMemoryModel(SafetensorsDtype dtype, int shards)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(dtype, shards: shards, heads: 8, kvHeads: Units));
        var grouping = RandomGroupings.ArbitraryCardinality(Units, [1, 3, 2], seed: 22);
        var merged = MergeExactnessTests.Merge(input, grouping, temp.Combine("out"), MergeForm.PerLayerMap);
        var tokens = ModelRuns.Tokens(64, 2, 10, seed: 6);

        TensorAssert.Identical(ModelRuns.MergedLogits(input, grouping, tokens), ModelRuns.Logits(merged, tokens));
    }

    [Fact]
    public void APerLayerMapCheckpointCanBeGroupedAgainAndStillRunsAsTheInMemoryModel()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(SafetensorsDtype.BF16, biases: true));
        var first = MergeExactnessTests.Merge(input, RandomGroupings.ArbitraryCardinality(6, [4, 5, 3], seed: 23), temp.Combine("first"), MergeForm.PerLayerMap);
        // The first merge left 4, 5 and 3 KV heads: those are the units now.
        var again = new ModelGrouping(GroupingMode.Arbitrary,
        [
            new(0, LayerGrouping.FromLabels([0, 1, 0, 1])),
            new(1, LayerGrouping.FromLabels([0, 0, 1, 2, 2])),
            new(2, LayerGrouping.FromLabels([0, 0, 0])),
        ]);
        var second = MergeExactnessTests.Merge(first, again, temp.Combine("second"), MergeForm.PerLayerMap);
        var tokens = ModelRuns.Tokens(64, 1, 12, seed: 7);

        TensorAssert.Identical(ModelRuns.MergedLogits(first, again, tokens), ModelRuns.Logits(second, tokens));
    }
}

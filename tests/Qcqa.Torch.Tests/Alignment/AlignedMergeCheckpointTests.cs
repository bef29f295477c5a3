using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Tests.TestSupport;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>The aligned merge written as a checkpoint, loaded by the runtime, against the original model's logits.</summary>
public sealed class AlignedMergeCheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GivenPlantedGroupsTheWrittenAlignedMergeHasTheOriginalLogits(bool biases)
    {
        var model = _temp.Combine("model");
        var grouping = PlantedCheckpoint.Write(model, [[0, 3], [1, 2, 5], [4]], biases);
        var tokens = ModelRuns.Tokens(64, 2, 24, seed: 3);
        var original = ModelRuns.Logits(model, tokens);

        var output = _temp.Combine("aligned");
        using (var checkpoint = Checkpoint.Open(model))
        {
            using var merge = new AlignedModelMerge(checkpoint, calibration: null);
            var result = CheckpointMerger.Merge(checkpoint, grouping, output, new MergeOptions { Projections = merge.ProjectionsFor(grouping) });
            Assert.Equal(MergeForm.PerLayerMap, result.Form);
        }

        var aligned = ModelRuns.Logits(output, tokens);
        var pooled = ModelRuns.MergedLogits(model, grouping, tokens);
        Assert.True(ModelRuns.MaxDifference(original, aligned) <= 1e-5 * original.abs().max().item<float>(),
            $"aligned moved the logits by {ModelRuns.MaxDifference(original, aligned):E3}");
        Assert.True(ModelRuns.MaxDifference(original, pooled) > 0.1, $"mean-pooling moved them by only {ModelRuns.MaxDifference(original, pooled):E3}");
    }

    [Fact]
    public void AfterReleasingItsMemoryTheMergeGivesTheSameErrorsAndProjections()
    {
        // The build frees the prepared layer and kept Grams before evaluation and fine-tuning; a later search or merge of
        // another variant prepares them again and must see the same numbers.
        var model = _temp.Combine("model");
        var planted = PlantedCheckpoint.Write(model, [[0, 3], [1, 2, 5], [4]], biases: true);
        using var checkpoint = Checkpoint.Open(model);
        var other = LayerGrouping.FromGroups(6, [[0, 1], [2, 3], [4, 5]]);
        using var merge = new AlignedModelMerge(checkpoint, calibration: null, device: null, keepErrorBytes: 1L << 30);
        var layers = checkpoint.LayerCount;
        var before = Enumerable.Range(0, layers).Select(l => merge.GroupingError(l, other)).ToArray();
        merge.GroupingError(0, other); // layer 0 prepared again; the others' Grams kept
        var projection = merge.Projections(layers - 1, other)!.Key.ToArray();

        merge.ReleaseMemory();

        Assert.Equal(before, Enumerable.Range(0, layers).Select(l => merge.GroupingError(l, other)).ToArray());
        Assert.Equal(projection, merge.Projections(layers - 1, other)!.Key.ToArray());
        Assert.True(before.All(e => e > 0));
        Assert.Equal(0, merge.GroupingError(0, planted.Layers[0].Grouping), 1e-9);
    }

    [Fact]
    public void GivenEqualGroupsTheAlignedMergeIsAStandardGqaCheckpointWithTheOriginalLogits()
    {
        var model = _temp.Combine("model");
        var grouping = PlantedCheckpoint.Write(model, [[0, 4], [1, 3], [2, 5]]);
        var tokens = ModelRuns.Tokens(64, 2, 24, seed: 4);
        var original = ModelRuns.Logits(model, tokens);

        var output = _temp.Combine("gqa");
        using (var checkpoint = Checkpoint.Open(model))
        {
            using var merge = new AlignedModelMerge(checkpoint, calibration: null);
            var result = CheckpointMerger.Merge(checkpoint, grouping, output, new MergeOptions { Projections = merge.ProjectionsFor(grouping) });
            Assert.Equal(MergeForm.StandardGqa, result.Form);
        }

        // Read as a stock loader would (repeat_kv, no map): the query heads were reordered with their folded maps.
        var stock = ModelRuns.Logits(output, tokens, ignoreQcqaBlock: true);
        Assert.True(ModelRuns.MaxDifference(original, stock) <= 1e-5 * original.abs().max().item<float>(),
            $"moved by {ModelRuns.MaxDifference(original, stock):E3}");
    }

    [Fact]
    public void GivenTheIdentityGroupingTheOutputWeightsAreTheInputBytes()
    {
        var model = SyntheticModels.Write(_temp.Combine("model"), SyntheticModels.Options(dtype: SafetensorsDtype.BF16));
        var output = _temp.Combine("identity");
        using (var checkpoint = Checkpoint.Open(model))
        {
            var grouping = ModelGrouping.Uniform(GroupingMode.Custom, checkpoint.LayerCount, LayerGrouping.Identity(6));
            using var merge = new AlignedModelMerge(checkpoint, calibration: null);
            CheckpointMerger.Merge(checkpoint, grouping, output, new MergeOptions { Projections = merge.ProjectionsFor(grouping) });
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(model, "model.safetensors")), File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
    }
}

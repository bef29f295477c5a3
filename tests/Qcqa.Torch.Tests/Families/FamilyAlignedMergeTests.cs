using Qcqa.Core.Checkpoints;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Tests.Alignment;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Families;

/// <summary>
/// The aligned merge on Phi-3 and GPT-NeoX checkpoints, written in their own layouts: where the heads of a group differ
/// exactly by maps it can absorb (per rotary pair a rotation and scale, a general map on the unrotated key dimensions and
/// on the values), the written checkpoint keeps the original logits, in QcqaBuild's runtime and in the family's stock layout.
/// </summary>
public sealed class FamilyAlignedMergeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(0.25)]
    [InlineData(1.0)]
    public void GivenPlantedGroupsTheAlignedGptNeoxCheckpointHasTheOriginalLogitsInBothRuntimes(double rotary)
    {
        using var scope = NewDisposeScope();
        var model = FamilyFixtures.WriteGptNeox(_temp.Combine("neox"), new FamilyFixtureOptions { Heads = 6, HeadDim = 16, RotaryFraction = rotary });
        var grouping = PlantedCheckpoint.Plant(model, [[0, 3], [1, 2, 5], [4]]);
        var tokens = ModelRuns.Tokens(64, 1, 16, seed: 3);
        var original = ModelRuns.Logits(model, tokens);
        var output = _temp.Combine("aligned");

        using (var checkpoint = Checkpoint.Open(model))
        {
            using var merge = new AlignedModelMerge(checkpoint, calibration: null);
            CheckpointMerger.Merge(checkpoint, grouping, output, new MergeOptions { Projections = merge.ProjectionsFor(grouping) });
        }

        var scale = original.abs().max().item<float>();
        var aligned = ModelRuns.Logits(output, tokens);
        var stock = FamilyReference.GptNeox(output, tokens[0].data<long>().ToArray()).to_type(ScalarType.Float32);
        var pooled = ModelRuns.MergedLogits(model, grouping, tokens);
        Assert.True(ModelRuns.MaxDifference(original, aligned) <= 1e-5 * scale, $"aligned moved the logits by {ModelRuns.MaxDifference(original, aligned):E3}");
        Assert.True(ModelRuns.MaxDifference(original[0], stock) <= 1e-5 * scale, $"the stock layout moved them by {ModelRuns.MaxDifference(original[0], stock):E3}");
        Assert.True(ModelRuns.MaxDifference(original, pooled) > 0.05, $"mean-pooling moved them by only {ModelRuns.MaxDifference(original, pooled):E3}");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void GivenPlantedEqualGroupsTheAlignedPhi3CheckpointIsAStandardGqaCheckpointWithTheOriginalLogits(double rotary)
    {
        using var scope = NewDisposeScope();
        var model = FamilyFixtures.WritePhi3(_temp.Combine("phi3"), new FamilyFixtureOptions { Heads = 6, HeadDim = 16, RotaryFraction = rotary });
        var grouping = PlantedCheckpoint.Plant(model, [[0, 4], [1, 3], [2, 5]]);
        var tokens = ModelRuns.Tokens(64, 1, 16, seed: 4);
        var original = ModelRuns.Logits(model, tokens);
        var output = _temp.Combine("gqa");

        using (var checkpoint = Checkpoint.Open(model))
        {
            using var merge = new AlignedModelMerge(checkpoint, calibration: null);
            var result = CheckpointMerger.Merge(checkpoint, grouping, output, new MergeOptions { Projections = merge.ProjectionsFor(grouping) });
            Assert.Equal(MergeForm.StandardGqa, result.Form);
        }

        var scale = original.abs().max().item<float>();
        // As a stock Phi-3 loader reads it: qkv_proj split by num_key_value_heads = 3, KV heads repeated.
        var stock = ModelRuns.Logits(output, tokens, ignoreQcqaBlock: true);
        var reference = FamilyReference.Phi3(output, tokens[0].data<long>().ToArray()).to_type(ScalarType.Float32);
        Assert.True(ModelRuns.MaxDifference(original, stock) <= 1e-5 * scale, $"moved by {ModelRuns.MaxDifference(original, stock):E3}");
        Assert.True(ModelRuns.MaxDifference(original[0], reference) <= 1e-5 * scale, $"the reference moved by {ModelRuns.MaxDifference(original[0], reference):E3}");
    }
}

using Qcqa.Core.Checkpoints;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Tests.TestSupport;
using Xunit.Abstractions;

namespace Qcqa.Torch.Tests.FineTuning;

/// <summary>
/// Layer-wise fine-tuning on tiny synthetic checkpoints: each trained layer gets closer to the original layer's
/// output, a layer whose merge is exact is left exactly as merged, and only attention tensors change.
/// </summary>
public sealed class LayerwiseFineTunerTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryMergedLayersErrorAgainstTheOriginalLayerDecreases()
    {
        using var workspace = new FineTuningWorkspace();
        var settings = FineTuningWorkspace.Quick;
        var (result, _) = LayerwiseFineTuner.TrainAndWrite(workspace.Map, workspace.Original, FineTuningWorkspace.Text, settings, "cpu",
            workspace.Combine("out"));

        var steps = settings.PlannedSteps;
        Assert.Equal(SyntheticModels.Layers * steps, result.Losses.Count);
        for (var layer = 0; layer < SyntheticModels.Layers; layer++)
        {
            var losses = result.Losses.Skip(layer * steps).Take(steps).ToArray();
            output.WriteLine($"layer {layer}: " + string.Join(" ", losses.Select(l => l.ToString("F4"))));
            Assert.True(losses[0] > LayerwiseFineTuner.ExactError, $"layer {layer} starts exact; the test needs a lossy merge");
            Assert.True(losses.TakeLast(3).Average() < 0.8 * losses[0], $"layer {layer}: {losses[0]:F4} → {losses.TakeLast(3).Average():F4} (mean of the last 3 steps)");
        }
        Assert.True(result.LastLoss < result.FirstLoss);
    }

    [Fact]
    public void ALayerWhoseMergeIsExactStaysBitIdenticalWhileTheOthersTrainAttentionOnly()
    {
        using var workspace = new FineTuningWorkspace();
        // Layer 0 keeps all six heads (each its own group: an exact merge); layers 1 and 2 share KV heads.
        string merged;
        using (var original = Checkpoint.Open(workspace.Original))
            merged = CheckpointMerger.Merge(original, RandomGroupings.ArbitraryCardinality(FineTuningWorkspace.Heads, [6, 2, 3], seed: 6),
                workspace.Combine("exact-first")).OutputFolder;

        var (result, written) = LayerwiseFineTuner.TrainAndWrite(merged, workspace.Original, FineTuningWorkspace.Text, FineTuningWorkspace.Quick, "cpu",
            workspace.Combine("out"));

        Assert.All(result.Losses.Take(FineTuningWorkspace.Quick.PlannedSteps), l => Assert.True(l < LayerwiseFineTuner.ExactError, $"layer 0 error {l}"));
        using var before = Checkpoint.Open(merged);
        using var after = Checkpoint.Open(written.Folder);
        var changed = new List<string>();
        foreach (var file in before.Files)
            foreach (var name in file.Tensors.Select(t => t.Name))
            {
                Assert.True(before.TryGetTensor(name, out var old));
                Assert.True(after.TryGetTensor(name, out var trained));
                if (!old.ReadAllDoubles().SequenceEqual(trained.ReadAllDoubles())) changed.Add(name);
            }
        output.WriteLine(string.Join(", ", changed.Order()));
        Assert.NotEmpty(changed);
        Assert.All(changed, name => Assert.Matches(@"^model\.layers\.[12]\.self_attn\.[qkvo]_proj\.", name));
        Assert.Equal(8, changed.Count); // q, k, v, o of layers 1 and 2
    }
}

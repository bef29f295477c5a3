using Qcqa.Core.Checkpoints;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Tests.TestSupport;
using Xunit.Abstractions;
using static TorchSharp.torch;

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
    public void TheReportedErrorsAreEachLayersFirstBatchErrorBeforeAndAfterItsTrainingAsTheWrittenCheckpointGivesThem()
    {
        using var workspace = new FineTuningWorkspace();
        // One step per layer, the case a 7B build meets (4,096 tokens at 4,096 per step): the first step's loss is
        // taken before its update, so it cannot say what the training did; the report's last figure must.
        var settings = FineTuningWorkspace.Quick with { Steps = 1 };
        var (result, written) = LayerwiseFineTuner.TrainAndWrite(workspace.Map, workspace.Original, FineTuningWorkspace.Text, settings, "cpu",
            workspace.Combine("out"));

        var (before, after) = FirstBatchErrors(workspace.Map, written.Folder, workspace.Original, settings);
        output.WriteLine($"before {string.Join(" ", before.Select(e => e.ToString("F5")))}; after {string.Join(" ", after.Select(e => e.ToString("F5")))}");
        Assert.Equal(before.Average(), result.FirstLoss, 1e-5);
        Assert.Equal(after.Average(), result.LastLoss, 1e-5);
        Assert.True(result.LastLoss < result.FirstLoss, $"{result.FirstLoss:F5} → {result.LastLoss:F5}");
        Assert.Equal(1, result.Steps);
    }

    // Each layer's Σ‖g(x̃) − f(x)‖² / Σ‖f(x) − x‖² on the first batch the trainer draws, x̃ being the output of the
    // trained layers before it (as written): with g the layer as merged (before) and as trained (after).
    private static (double[] Before, double[] After) FirstBatchErrors(string merged, string trained, string original, FineTuningSettings settings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sampler = new TokenWindowSampler(FineTuningWorkspace.Text, settings.WindowsPerStep, settings.SequenceLength, unchecked((ulong)settings.Seed));
        var (windows, _) = sampler.Next();
        using var o = Checkpoint.Open(original);
        using var m = Checkpoint.Open(merged);
        using var t = Checkpoint.Open(trained);
        using var teacher = CheckpointDecoderWeights.Open(o);
        using var untrained = CheckpointDecoderWeights.Open(m);
        using var student = CheckpointDecoderWeights.Open(t);
        var (cos, sin) = new StreamedDecoder(teacher).Rotary.Tables(0, settings.SequenceLength);
        var x = teacher.Embed(windows);
        var xs = x;
        var layers = teacher.Config.NumHiddenLayers;
        var (before, after) = (new double[layers], new double[layers]);
        for (var layer = 0; layer < layers; layer++)
        {
            using var f = teacher.Layer(layer);
            using var g0 = untrained.Layer(layer);
            using var g = student.Layer(layer);
            var y = f.Layer.Forward(x, cos, sin, null);
            var scale = y.sub(x).square().sum().item<float>();
            before[layer] = g0.Layer.Forward(xs, cos, sin, null).sub(y).square().sum().item<float>() / scale;
            var ys = g.Layer.Forward(xs, cos, sin, null);
            after[layer] = ys.sub(y).square().sum().item<float>() / scale;
            (x, xs) = (y, ys);
        }
        return (before, after);
    }

    [Fact]
    public void TrainingAStepsBatchInPartsMakesTheSameStepsAsTrainingItWhole()
    {
        // Parts keep one part's activations alive (a 7B layer's backward over 4,096 tokens is 2.7 GB); the gradients
        // accumulate to the whole batch's, so the trained weights are the same up to float32 summation order.
        using var workspace = new FineTuningWorkspace();
        var whole = FineTuningWorkspace.Quick with { LayerwisePartTokens = 1 << 20 };
        var parts = FineTuningWorkspace.Quick with { LayerwisePartTokens = 3 * whole.SequenceLength };
        Assert.Equal((whole.WindowsPerStep, 3), (whole.LayerwisePartWindows, parts.LayerwisePartWindows)); // 8 windows: parts of 3, 3 and 2

        var (resultWhole, writtenWhole) = LayerwiseFineTuner.TrainAndWrite(workspace.Map, workspace.Original, FineTuningWorkspace.Text, whole, "cpu",
            workspace.Combine("whole"));
        var (resultParts, writtenParts) = LayerwiseFineTuner.TrainAndWrite(workspace.Map, workspace.Original, FineTuningWorkspace.Text, parts, "cpu",
            workspace.Combine("parts"));

        Assert.Equal(resultWhole.Losses.Count, resultParts.Losses.Count);
        for (var i = 0; i < resultWhole.Losses.Count; i++) Assert.Equal(resultWhole.Losses[i], resultParts.Losses[i], 1e-5);
        using var a = Checkpoint.Open(writtenWhole.Folder);
        using var b = Checkpoint.Open(writtenParts.Folder);
        double largest = 0;
        foreach (var tensor in a.Files.SelectMany(f => f.Tensors))
        {
            Assert.True(a.TryGetTensor(tensor.Name, out var x));
            Assert.True(b.TryGetTensor(tensor.Name, out var y));
            var (u, v) = (x.ReadAllDoubles(), y.ReadAllDoubles());
            for (var i = 0; i < u.Length; i++) largest = Math.Max(largest, Math.Abs(u[i] - v[i]));
        }
        output.WriteLine($"largest weight difference {largest:E2}");
        Assert.True(largest < 1e-4, $"largest weight difference {largest:E2}");
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

using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Sensitivity;
using Qcqa.Torch.Tests.TestSupport;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>The per-layer KL probe: zero for a merge that changes nothing, positive otherwise, and the model restored.</summary>
public sealed class LayerSensitivityProbeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AnExactMergeCostsNothingAnInexactOneCostsSomethingAndTheModelIsRestored()
    {
        var folder = _temp.Combine("model");
        var planted = PlantedCheckpoint.Write(folder, [[0, 3], [1, 2, 5], [4]]);
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);
        var tokens = ModelRuns.Tokens(64, 2, 32, seed: 8).reshape(-1).data<long>().ToArray();
        var before = ModelRuns.Run(model, ModelRuns.Tokens(64, 1, 16, seed: 9));
        using var probe = new LayerSensitivityProbe(model, tokens, 32);
        using var merge = new AlignedModelMerge(checkpoint, calibration: null);
        var wrong = LayerGrouping.FromGroups(6, [[0, 1], [2, 3], [4, 5]]);

        var exact = merge.WithLayer(1, a => { using var m = a.Merge(planted.Layers[1].Grouping); return probe.Measure(1, m, planted.Layers[1].Grouping); });
        var inexact = merge.WithLayer(1, a => { using var m = a.Merge(wrong); return probe.Measure(1, m, wrong); });

        Assert.Equal(64, probe.Tokens);
        Assert.True(Math.Abs(exact) < 1e-6, $"exact merge KL {exact:E3}");
        Assert.True(inexact > 1e-3, $"inexact merge KL {inexact:E3}");
        Assert.Equal(0.0, ModelRuns.MaxDifference(before, ModelRuns.Run(model, ModelRuns.Tokens(64, 1, 16, seed: 9))));
    }
}

using Qcqa.Core.Alignment;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Memory;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Sensitivity;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>
/// The per-layer KL probe: a probe's cost is the KL divergence of the checkpoint with only that layer merged (written
/// and loaded like any output), whether the layers are resident or streamed and however many probes share a pass; an
/// exact merge costs nothing; a resident model is left as it was; the memory plan sizes the passes or refuses.
/// </summary>
public sealed class StreamedLayerProbeTests : IDisposable
{
    private const int Window = 16;
    private static readonly LayerGrouping Wrong = LayerGrouping.FromGroups(6, [[0, 1], [2, 3], [4, 5]]);
    private static readonly LayerGrouping Other = LayerGrouping.FromGroups(6, [[0, 5], [1, 2, 3, 4]]);
    private readonly TempFolder _temp = new();
    private readonly string _folder;
    private readonly ModelGrouping _planted;
    private readonly long[] _tokens = ModelRuns.Tokens(64, 1, 5 * Window, seed: 8).reshape(-1).data<long>().ToArray();

    public StreamedLayerProbeTests()
    {
        _folder = _temp.Combine("model");
        _planted = PlantedCheckpoint.Write(_folder, [[0, 3], [1, 2, 5], [4]]);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AnExactMergeCostsNothingAnInexactOneCostsSomethingAndAResidentModelIsLeftAsItWas()
    {
        using var checkpoint = Checkpoint.Open(_folder);
        using var model = CheckpointModelLoader.Load(checkpoint);
        using var probes = Tokens(1, 3 * Window);
        var before = ModelRuns.Run(model, probes);
        using var merge = new AlignedModelMerge(checkpoint, calibration: null);
        using var probe = new StreamedLayerProbe(new StreamedDecoder(new ModelDecoderWeights(model)), _tokens, Window, batch: 2, capacity: 4);

        var costs = probe.Measure([new LayerProbe(1, _planted.Layers[1].Grouping), new LayerProbe(1, Wrong), new LayerProbe(0, Wrong)], Merge(merge));

        Assert.Equal(5 * Window, probe.Tokens);
        Assert.True(Math.Abs(costs[0]) < 1e-6, $"exact merge KL {costs[0]:E3}");
        Assert.True(costs[1] > 1e-3, $"inexact merge KL {costs[1]:E3}");
        Assert.True(costs[2] > 1e-3, $"inexact merge KL {costs[2]:E3}");
        Assert.Equal(0.0, ModelRuns.MaxDifference(before, ModelRuns.Run(model, probes)));
    }

    [Theory]
    [InlineData(LayerResidency.Streamed, 1, 1)]
    [InlineData(LayerResidency.Streamed, 2, 2)]
    [InlineData(LayerResidency.Resident, 5, 8)]
    public void EachCostIsTheDivergenceOfTheCheckpointWithOnlyThatLayerMerged(LayerResidency residency, int batch, int capacity)
    {
        // Out of layer order, one layer twice: the costs come back in the order asked.
        LayerProbe[] asked = [new(1, Wrong), new(0, Other), new(1, Other), new(0, Wrong)];
        using var checkpoint = Checkpoint.Open(_folder);
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Residency = residency });
        using var merge = new AlignedModelMerge(checkpoint, calibration: null);
        using var probe = new StreamedLayerProbe(new StreamedDecoder(weights), _tokens, Window, batch, capacity);

        var costs = probe.Measure(asked, Merge(merge));

        for (var i = 0; i < asked.Length; i++)
        {
            var expected = WrittenCheckpointDivergence(asked[i]);
            Assert.True(Math.Abs(costs[i] - expected) <= 1e-5 * expected, $"probe {i}: {costs[i]:G9} against the written checkpoint's {expected:G9}");
        }
    }

    [Fact]
    public void ThePlanCarriesAsManyProbesAsTheLimitLeavesRoomForAndRefusesWhenNotOneFits()
    {
        var config = new LlamaConfig { VocabSize = 32000, HiddenSize = 4096, IntermediateSize = 11008, NumHiddenLayers = 32, NumAttentionHeads = 32 };

        var small = ProbePlan.For("Measuring", config, 2048, 256, probes: 0, new MemoryLimit(8_000_000_000, "test"));
        var large = ProbePlan.For("Measuring", config, 2048, 256, probes: 0, new MemoryLimit(16_000_000_000, "test"));
        var few = ProbePlan.For("Measuring", config, 2048, 256, probes: 3, new MemoryLimit(16_000_000_000, "test"));
        var error = Assert.Throws<QcqaException>(() => ProbePlan.For("Measuring layer costs of 'x'", config, 2048, 256, probes: 0,
            new MemoryLimit(2_000_000_000, "set by the test")));

        Assert.Equal(LayerResidency.Streamed, small.Residency);
        Assert.InRange(small.Capacity, 1, large.Capacity - 1);
        // Each probe carries the residual stream of 2,048 tokens: 4096 · 2048 float32.
        Assert.Equal(4096L * 2048 * 4 * (large.Capacity - small.Capacity), large.PeakBytes - small.PeakBytes);
        Assert.True(small.PeakBytes <= 8_000_000_000 && large.PeakBytes <= 16_000_000_000);
        Assert.Equal(3, few.Capacity);
        Assert.Equal(ErrorCodes.InsufficientMemory, error.Code);
        Assert.Contains("Measuring layer costs of 'x'", error.Message);
        Assert.Contains("set by the test", error.Message);
        Assert.Contains("allocation: gradient", error.Message);
    }

    private static Func<int, LayerGrouping, AlignedLayer> Merge(AlignedModelMerge merge)
        => (layer, grouping) => merge.WithLayer(layer, a => a.Merge(grouping));

    private Tensor Tokens(long batch, long seq) => ModelRuns.Tokens(64, batch, seq, seed: 9);

    // The definition: write the checkpoint with only the probe's layer merged (aligned), load it like any output, and
    // take the mean KL divergence per token of its next-token distributions from the original's, window by window.
    private double WrittenCheckpointDivergence(LayerProbe probe)
    {
        var output = _temp.Combine($"merged-{Guid.NewGuid():N}");
        using var scope = NewDisposeScope();
        using (var checkpoint = Checkpoint.Open(_folder))
        {
            var layers = Enumerable.Range(0, checkpoint.LayerCount)
                .Select(l => new LayerGroupingEntry(l, l == probe.Layer ? probe.Grouping : LayerGrouping.Identity(6))).ToArray();
            var grouping = new ModelGrouping(GroupingMode.Custom, layers);
            using var merge = new AlignedModelMerge(checkpoint, calibration: null);
            CheckpointMerger.Merge(checkpoint, grouping, output, new MergeOptions { Projections = merge.ProjectionsFor(grouping) });
        }
        var windows = tensor(_tokens).reshape(-1, Window);
        var reference = ModelRuns.Logits(_folder, windows).log_softmax(-1);
        var merged = ModelRuns.Logits(output, windows).log_softmax(-1);
        return (reference.exp() * (reference - merged)).sum(-1).mean().to_type(ScalarType.Float64).item<double>();
    }
}

using Qcqa.Core.Alignment;
using Qcqa.Core.Grouping;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Sensitivity;

/// <summary>
/// Measures what merging one layer costs the whole model: the mean KL divergence, per token, from the original
/// model's next-token distribution to the distribution with only that layer merged, on probe windows of
/// calibration text. Stage 2 then compares layers on this common scale, which a layer-local error cannot give (an
/// early layer's error grows through every later layer).
/// </summary>
/// <remarks>
/// Many probes run in one layer-streamed pass, so each layer is loaded once per pass instead of once per probe: at
/// layer k every probe of layer k starts from the original stream entering k and goes through the merged layer; every
/// probe already started goes on through the original layer k; then the original stream does. The merged layer runs
/// in its expanded form — every KV unit carries its group's merged head — which computes exactly the merged layer's
/// function with the model's own shapes; the layer's original weights are put back after each probe. A pass carries
/// as many probes as <see cref="Capacity"/> allows (the memory plan's choice); more probes take more passes.
/// With resident weights (a small model) this is the same arithmetic as swapping the merged layer into the whole
/// model and running it from that layer.
/// </remarks>
public sealed class StreamedLayerProbe : IDisposable
{
    private readonly StreamedDecoder _decoder;
    private readonly Tensor[] _blocks;    // [batch, window] token blocks
    private readonly Tensor[] _reference; // the original's log-probabilities per block, [batch, window, vocab]
    private readonly Tensor _cos;
    private readonly Tensor _sin;

    /// <summary>Runs the original model once over <paramref name="tokens"/> (full windows of <paramref name="window"/>, <paramref name="batch"/> windows at a time).</summary>
    /// <param name="decoder">The original model's layers (resident or streamed); the caller keeps ownership.</param>
    /// <param name="tokens">Probe tokens (at least one window).</param>
    /// <param name="window">Tokens per window.</param>
    /// <param name="batch">Windows per block of a layer's forward.</param>
    /// <param name="capacity">Probes carried through one pass (at least 1).</param>
    /// <param name="cancellation">Checked between layers of the reference pass.</param>
    public StreamedLayerProbe(StreamedDecoder decoder, IReadOnlyList<long> tokens, int window, int batch, int capacity,
        CancellationToken cancellation = default)
    {
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var windows = tokens.Count / window;
        if (windows < 1) throw new ArgumentException($"The probe needs at least one window of {window} tokens; got {tokens.Count}.", nameof(tokens));
        Capacity = capacity;
        Tokens = (long)windows * window;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var all = tensor(tokens.Take(windows * window).ToArray(), ScalarType.Int64).reshape(windows, window);
        _blocks = Enumerable.Range(0, (windows + batch - 1) / batch)
            .Select(b => all.narrow(0, (long)b * batch, Math.Min(batch, windows - b * batch)).to(decoder.Weights.Device).DetachFromDisposeScope())
            .ToArray();
        var (cos, sin) = decoder.Rotary.Tables(0, window);
        _cos = cos.DetachFromDisposeScope();
        _sin = sin.DetachFromDisposeScope();
        var finals = decoder.FinalHidden(_blocks, cancellation: cancellation);
        _reference = finals.Select(f => decoder.Logits(f).log_softmax(-1).DetachFromDisposeScope()).ToArray();
        foreach (var f in finals) f.Dispose();
    }

    /// <summary>Tokens each measurement scores.</summary>
    public long Tokens { get; }

    /// <summary>Probes carried through one pass over the layers.</summary>
    public int Capacity { get; }

    /// <summary>The mean KL divergence (nats per token) of each probe: its layer merged alone by its grouping.</summary>
    /// <param name="probes">The layers and groupings to measure.</param>
    /// <param name="merge">The merged projections of a layer for a grouping (<see cref="LayerAlignment.Merge"/>); the probe disposes them.</param>
    /// <param name="cancellation">Checked before every layer.</param>
    /// <returns>One cost per probe, in order.</returns>
    public double[] Measure(IReadOnlyList<LayerProbe> probes, Func<int, LayerGrouping, AlignedLayer> merge, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(merge);
        var layers = _decoder.Config.NumHiddenLayers;
        foreach (var probe in probes)
            if (probe.Layer < 0 || probe.Layer >= layers) throw new ArgumentOutOfRangeException(nameof(probes), $"Layer {probe.Layer} is not one of the model's {layers}.");
        var costs = new double[probes.Count];
        // In layer order, so that a pass's probes share the layers they run through and each layer is merged once per pass.
        var order = Enumerable.Range(0, probes.Count).OrderBy(i => probes[i].Layer).ToArray();
        foreach (var pass in order.Chunk(Capacity)) Pass(probes, pass, merge, costs, cancellation);
        return costs;
    }

    // One pass over the layers with the probes `pass` (indices into `probes`, ascending layer).
    private void Pass(IReadOnlyList<LayerProbe> probes, int[] pass, Func<int, LayerGrouping, AlignedLayer> merge, double[] costs,
        CancellationToken cancellation)
    {
        using var noGrad = no_grad();
        var weights = _decoder.Weights;
        var lastStart = probes[pass[^1]].Layer;
        Tensor[]? original = _blocks.Select(b => weights.Embed(b).DetachFromDisposeScope()).ToArray();
        var carried = new List<(int Index, Tensor[] Hidden)>();
        try
        {
            for (var layer = 0; layer < _decoder.Config.NumHiddenLayers; layer++)
            {
                cancellation.ThrowIfCancellationRequested();
                if (original is null && carried.Count == 0) break;
                using var lease = weights.Layer(layer);
                foreach (var (_, hidden) in carried) Advance(lease.Layer, hidden);
                foreach (var index in pass.Where(i => probes[i].Layer == layer))
                    carried.Add((index, Merged(lease.Layer, probes[index].Grouping, merge, original!)));
                if (original is null) continue;
                if (layer == lastStart)
                {
                    foreach (var h in original) h.Dispose();
                    original = null;
                    continue;
                }
                Advance(lease.Layer, original);
            }
            foreach (var (index, hidden) in carried) costs[index] = Divergence(hidden);
        }
        finally
        {
            foreach (var h in original ?? []) h.Dispose();
            foreach (var (_, hidden) in carried) foreach (var h in hidden) h.Dispose();
        }
    }

    // The probe's stream leaving `layer` merged by `grouping`, from the original stream entering it; the layer's
    // weights are restored afterwards (a resident layer is used by every later probe and pass).
    private Tensor[] Merged(LlamaDecoderLayer layer, LayerGrouping grouping, Func<int, LayerGrouping, AlignedLayer> merge, Tensor[] input)
    {
        var attention = layer.Attention;
        var projections = new[] { attention.Query, attention.Key, attention.Value, attention.Output };
        using var scope = NewDisposeScope();
        var saved = projections.Select(p => (p.Weight.clone(), p.Bias?.clone())).ToArray();
        try
        {
            using (var merged = merge(layer.Index, grouping))
            {
                var d = attention.HeadDim;
                var groupOfUnit = tensor(Enumerable.Range(0, grouping.HeadCount).Select(u => (long)grouping.GroupOf(u)).ToArray(), ScalarType.Int64);
                Tensor Expand(Tensor heads) => heads.view(grouping.GroupCount, d, -1).index_select(0, groupOfUnit).reshape(grouping.HeadCount * d, -1);
                Set(attention.Query, merged.Query);
                Set(attention.Key, Expand(merged.Key));
                Set(attention.Value, Expand(merged.Value));
                attention.Output.Weight.copy_(merged.Output);
            }
            return input.Select(h =>
            {
                using var block = NewDisposeScope();
                return layer.Forward(h, _cos, _sin, null).DetachFromDisposeScope();
            }).ToArray();
        }
        finally
        {
            for (var i = 0; i < projections.Length; i++)
            {
                projections[i].Weight.copy_(saved[i].Item1);
                if (saved[i].Item2 is { } bias) projections[i].Bias!.copy_(bias);
            }
        }
    }

    // Moves each block of a stream through the layer in place of the block.
    private void Advance(LlamaDecoderLayer layer, Tensor[] hidden)
    {
        for (var b = 0; b < hidden.Length; b++)
        {
            using var scope = NewDisposeScope();
            var next = layer.Forward(hidden[b], _cos, _sin, null).DetachFromDisposeScope();
            hidden[b].Dispose();
            hidden[b] = next;
        }
    }

    // Σ over tokens of KL(reference ‖ probe), per block in float32, summed in float64 and divided by the tokens.
    private double Divergence(Tensor[] hidden)
    {
        var total = 0.0;
        for (var b = 0; b < hidden.Length; b++)
        {
            using var scope = NewDisposeScope();
            var log = _decoder.Logits(_decoder.Weights.FinalNorm.forward(hidden[b])).log_softmax(-1);
            var reference = _reference[b];
            total += (reference.exp() * (reference - log)).sum().to_type(ScalarType.Float64).item<double>();
        }
        return total / Tokens;
    }

    // Augmented [rows, D+1] → weight [rows, D] and (when the projection has one) bias [rows].
    private static void Set(Projection projection, Tensor augmented)
    {
        var width = augmented.shape[1] - 1;
        projection.Weight.copy_(augmented.narrow(1, 0, width));
        projection.Bias?.copy_(augmented.select(1, width));
    }

    /// <summary>Releases the probe windows and reference distributions.</summary>
    public void Dispose()
    {
        foreach (var b in _blocks) b.Dispose();
        foreach (var r in _reference) r.Dispose();
        _cos.Dispose();
        _sin.Dispose();
    }
}

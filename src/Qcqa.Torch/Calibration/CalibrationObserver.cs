using Qcqa.Core.Calibration;
using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Calibration;

/// <summary>
/// Accumulates, during the forward pass, each layer's Σ x̃ x̃ᵀ and Σ_t κ_h(t) in float64. κ needs the attention
/// probabilities, which the fused attention kernel does not expose, so it recomputes them here from the layer's
/// own projections and the same RoPE tables (explicitly, with a causal mask).
/// </summary>
internal sealed class CalibrationObserver : IAttentionObserver, IDisposable
{
    private readonly LlamaConfig _config;
    private readonly long _tokens;
    private readonly Action<int, LayerCalibration> _layerDone;
    private readonly RotaryEmbedding _rotary;
    // Only the layer the pass is in: a layer-major pass completes one layer before it starts the next.
    private (int Layer, Tensor Moment, Tensor Spread)? _current;

    /// <param name="config">The model.</param>
    /// <param name="device">Where the sums accumulate.</param>
    /// <param name="tokens">The tokens the pass runs (the statistics average over them).</param>
    /// <param name="layerDone">Receives each layer's averages as soon as the pass has finished the layer.</param>
    internal CalibrationObserver(LlamaConfig config, Device device, long tokens, Action<int, LayerCalibration> layerDone)
    {
        _config = config;
        _tokens = tokens;
        _layerDone = layerDone;
        _rotary = new RotaryEmbedding("rotary_emb", config.ResolvedRotaryDimensions, config.RopeTheta, device);
    }

    public void AttentionInput(int layer, LlamaAttention attention, Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var (_, moment, spread) = Current(layer, normalized.device);
        var x = normalized.detach();
        var flat = x.reshape(-1, x.shape[^1]).to_type(ScalarType.Float64);
        var augmented = cat(new[] { flat, ones(flat.shape[0], 1, ScalarType.Float64, flat.device) }, 1);
        moment.add_(augmented.t().matmul(augmented));
        spread.add_(HeadOutputSpreadSum(attention, x));
    }

    public Tensor AttentionOutput(int layer, Tensor output) => output;

    /// <summary>Hands layer <paramref name="layer"/>'s averages over the pass's tokens to the receiver, as CPU arrays, and frees its sums.</summary>
    public void LayerDone(int layer)
    {
        if (_current is not { } current || current.Layer != layer) return;
        using (var scope = NewDisposeScope())
        {
            using var count = ((double)_tokens).ToScalar();
            var moment = (current.Moment / count).cpu().contiguous();
            var spread = (current.Spread / count).cpu().contiguous();
            var statistics = new LayerCalibration(_config.HiddenSize, moment.data<double>().ToArray(), spread.data<double>().ToArray());
            Free();
            _layerDone(layer, statistics);
        }
    }

    private (int Layer, Tensor Moment, Tensor Spread) Current(int layer, Device device)
    {
        if (_current is { } current && current.Layer == layer) return current;
        if (_current is not null)
            throw new InvalidOperationException($"Layer {layer} started before layer {_current.Value.Layer} was done: calibration needs a layer-major pass.");
        var hidden = _config.HiddenSize;
        _current = (layer, zeros(hidden + 1, hidden + 1, ScalarType.Float64, device).DetachFromDisposeScope(),
            zeros(_config.NumAttentionHeads, ScalarType.Float64, device).DetachFromDisposeScope());
        return _current.Value;
    }

    private void Free()
    {
        if (_current is not { } current) return;
        current.Moment.Dispose();
        current.Spread.Dispose();
        _current = null;
    }

    // Σ over the batch's query tokens of κ_h(t) = Σ_s a_ts ‖o_s‖² − ‖Σ_s a_ts o_s‖², o_s = O_h v_s. [H], float64.
    private Tensor HeadOutputSpreadSum(LlamaAttention attention, Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], seq = x.shape[1];
        int heads = attention.Heads, d = attention.HeadDim, kvHeads = attention.Layout.KvHeads;
        var q = attention.Query.forward(x).view(batch, seq, heads, d).transpose(1, 2);
        var k = attention.Key.forward(x).view(batch, seq, kvHeads, d).transpose(1, 2);
        var v = attention.Value.forward(x).view(batch, seq, kvHeads, d).transpose(1, 2);
        var (cos, sin) = _rotary.Tables(0, seq);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin).index_select(1, attention.QueryToKvIndex);
        v = v.index_select(1, attention.QueryToKvIndex);
        using var scale = Math.Sqrt(d).ToScalar(); // held until the call returns: see Llama/Scalars
        var scores = q.matmul(k.transpose(2, 3)).div_(scale);
        var future = ones(seq, seq, ScalarType.Bool, x.device).triu(1);
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var probabilities = scores.masked_fill(future, minusInfinity).softmax(-1);
        // o_proj [hidden, H·d] → per head [H, d, hidden]; o = v_h O_hᵀ, [batch, H, seq, hidden].
        var hidden = attention.Output.Weight.shape[0];
        var perHead = attention.Output.Weight.view(hidden, heads, d).permute(1, 2, 0);
        var o = v.matmul(perHead.unsqueeze(0));
        var meanSquare = probabilities.matmul(o.square().sum(-1, keepdim: true)).squeeze(-1);
        var attended = probabilities.matmul(o);
        var spread = (meanSquare - attended.square().sum(-1)).to_type(ScalarType.Float64);
        return spread.sum(new long[] { 0, 2 }).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Free();
        _rotary.Dispose();
    }
}

using Qcqa.Core.Calibration;
using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Calibration;

/// <summary>
/// Accumulates, during the forward pass, each layer's Σ x̃ x̃ᵀ and Σ_t κ_h(t) in float64. κ needs the attention
/// probabilities, which the fused attention kernel does not expose, so it recomputes them here (explicitly, with a
/// causal mask) from the rotated queries and keys the forward pass hands over.
/// </summary>
internal sealed class CalibrationObserver : IAttentionObserver, IDisposable
{
    private readonly LlamaConfig _config;
    private readonly long _tokens;
    private readonly Action<int, LayerCalibration> _layerDone;
    // Only the layer the pass is in: a layer-major pass completes one layer before it starts the next.
    private (int Layer, Tensor Moment, Tensor Spread)? _current;

    /// <param name="config">The model.</param>
    /// <param name="tokens">The tokens the pass runs (the statistics average over them).</param>
    /// <param name="layerDone">Receives each layer's averages as soon as the pass has finished the layer.</param>
    internal CalibrationObserver(LlamaConfig config, long tokens, Action<int, LayerCalibration> layerDone)
    {
        _config = config;
        _tokens = tokens;
        _layerDone = layerDone;
    }

    public void AttentionInput(int layer, LlamaAttention attention, Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var (_, moment, _) = Current(layer, normalized.device);
        var flat = normalized.detach().reshape(-1, normalized.shape[^1]).to_type(ScalarType.Float64);
        var augmented = cat(new[] { flat, ones(flat.shape[0], 1, ScalarType.Float64, flat.device) }, 1);
        moment.add_(augmented.t().matmul(augmented));
    }

    public void AttentionHeads(int layer, LlamaAttention attention, Tensor queries, Tensor keys, Tensor values)
    {
        using var scope = NewDisposeScope();
        var (_, _, spread) = Current(layer, queries.device);
        spread.add_(HeadOutputSpreadSum(attention, queries.detach(), keys.detach(), values.detach()));
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
    // With G_h = O_hᵀO_h (d × d) both terms stay in head space: ‖o_s‖² = v_sᵀ G_h v_s and ‖Σ_s a_ts o_s‖² = yᵀ G_h y for
    // y = Σ_s a_ts v_s, so no [batch, H, seq, hidden] tensor is formed (at a 7B layer's shape that was 1 GB per block and
    // two thirds of calibration's arithmetic beyond the forward pass).
    private static Tensor HeadOutputSpreadSum(LlamaAttention attention, Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        long seq = q.shape[2];
        int heads = attention.Heads, d = attention.HeadDim;
        using var scale = Math.Sqrt(d).ToScalar(); // held until the call returns: see Llama/Scalars
        var scores = q.matmul(k.transpose(2, 3)).div_(scale);
        var future = ones(seq, seq, ScalarType.Bool, q.device).triu(1);
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var probabilities = scores.masked_fill(future, minusInfinity).softmax(-1);
        // o_proj [hidden, H·d] → per head O_h [H, hidden, d]; G_h = O_hᵀO_h [H, d, d].
        var hidden = attention.Output.Weight.shape[0];
        var perHead = attention.Output.Weight.detach().view(hidden, heads, d).permute(1, 0, 2);
        var gram = perHead.transpose(1, 2).matmul(perHead).unsqueeze(0);
        var energy = (v.matmul(gram) * v).sum(-1, keepdim: true); // ‖o_s‖², [batch, H, seq, 1]
        var meanSquare = probabilities.matmul(energy).squeeze(-1);
        var attended = probabilities.matmul(v);
        var spread = (meanSquare - (attended.matmul(gram) * attended).sum(-1)).to_type(ScalarType.Float64);
        return spread.sum(new long[] { 0, 2 }).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Free();
    }
}

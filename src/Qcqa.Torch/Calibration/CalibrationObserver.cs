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
    private readonly LlamaModel _model;
    private readonly Tensor[] _moment;
    private readonly Tensor[] _spread;

    internal CalibrationObserver(LlamaModel model)
    {
        _model = model;
        var layers = model.Config.NumHiddenLayers;
        var hidden = model.Config.HiddenSize;
        _moment = Enumerable.Range(0, layers).Select(_ => zeros(hidden + 1, hidden + 1, ScalarType.Float64, model.Device).DetachFromDisposeScope()).ToArray();
        _spread = Enumerable.Range(0, layers).Select(_ => zeros(model.Config.NumAttentionHeads, ScalarType.Float64, model.Device).DetachFromDisposeScope()).ToArray();
    }

    public void AttentionInput(int layer, Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var x = normalized.detach();
        var flat = x.reshape(-1, x.shape[^1]).to_type(ScalarType.Float64);
        var augmented = cat(new[] { flat, ones(flat.shape[0], 1, ScalarType.Float64, flat.device) }, 1);
        _moment[layer].add_(augmented.t().matmul(augmented));
        _spread[layer].add_(HeadOutputSpreadSum(_model.Stack.Layers[layer].Attention, x));
    }

    public Tensor AttentionOutput(int layer, Tensor output) => output;

    /// <summary>The averages over <paramref name="tokens"/> tokens, copied to the CPU.</summary>
    internal CalibrationStatistics Statistics(long tokens)
    {
        var layers = new LayerCalibration[_moment.Length];
        for (var l = 0; l < layers.Length; l++)
        {
            using var scope = NewDisposeScope();
            using var count = ((double)tokens).ToScalar();
            var moment = (_moment[l] / count).cpu().contiguous();
            var spread = (_spread[l] / count).cpu().contiguous();
            layers[l] = new LayerCalibration(_model.Config.HiddenSize, moment.data<double>().ToArray(), spread.data<double>().ToArray());
        }
        return new CalibrationStatistics(tokens, layers);
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
        var (cos, sin) = _model.Stack.Rotary.Tables(0, seq);
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
        foreach (var t in _moment) t.Dispose();
        foreach (var t in _spread) t.Dispose();
    }
}

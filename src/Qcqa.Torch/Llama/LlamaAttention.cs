using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// Causal self-attention with the layer's own KV layout: H query heads, G key/value heads, and a map from query
/// head to KV head. Keys and values are projected (and cached) with G heads only, then expanded per query head by
/// <c>index_select</c> on the head dimension, which serves MHA, <c>repeat_kv</c> GQA and arbitrary QCQA groupings
/// with the same code.
/// </summary>
public sealed class LlamaAttention : nn.Module
{
    private readonly Projection _q;
    private readonly Projection _k;
    private readonly Projection _v;
    private readonly Projection _o;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly int? _window;
    private readonly int _layer;

    /// <summary>Allocates the projections (uninitialised) for layer <paramref name="layer"/>.</summary>
    public LlamaAttention(string name, LlamaConfig config, int layer, Device device) : base(name)
    {
        _layer = layer;
        Layout = config.LayoutOf(layer);
        _heads = config.NumAttentionHeads;
        _headDim = config.ResolvedHeadDim;
        _window = config.SlidingWindow;
        long queryWidth = (long)_heads * _headDim, kvWidth = (long)Layout.KvHeads * _headDim;
        _q = new Projection("q_proj", config.HiddenSize, queryWidth, config.AttentionBias, device);
        _k = new Projection("k_proj", config.HiddenSize, kvWidth, config.AttentionBias, device);
        _v = new Projection("v_proj", config.HiddenSize, kvWidth, config.AttentionBias, device);
        _o = new Projection("o_proj", queryWidth, config.HiddenSize, config.HasOutputProjectionBias, device);
        register_module("q_proj", _q);
        register_module("k_proj", _k);
        register_module("v_proj", _v);
        register_module("o_proj", _o);
        var map = tensor(Layout.QueryToKv.Select(kv => (long)kv).ToArray(), ScalarType.Int64, device);
        // Not persistent: the map is part of the config, not of the checkpoint's tensors.
        register_buffer("query_to_kv", map.DetachFromDisposeScope(), persistent: false);
    }

    /// <summary>The layer's KV layout.</summary>
    public AttentionLayout Layout { get; }

    /// <summary>H, the query heads.</summary>
    public int Heads => _heads;

    /// <summary>d, the head size.</summary>
    public int HeadDim => _headDim;

    /// <summary><c>q_proj</c>, [H·d, hidden].</summary>
    public Projection Query => _q;

    /// <summary><c>k_proj</c>, [G·d, hidden].</summary>
    public Projection Key => _k;

    /// <summary><c>v_proj</c>, [G·d, hidden].</summary>
    public Projection Value => _v;

    /// <summary><c>o_proj</c>, [hidden, H·d].</summary>
    public Projection Output => _o;

    /// <summary>The KV head each query head reads, [H], int64.</summary>
    public Tensor QueryToKvIndex => QueryToKv;

    private Tensor QueryToKv => get_buffer("query_to_kv")!;

    /// <summary>Attends over the new tokens and, when a cache is given, everything cached before them.</summary>
    /// <param name="hidden">[batch, seq, hidden], already normalised.</param>
    /// <param name="cos">RoPE cosines for the new tokens' positions, [seq, head_dim].</param>
    /// <param name="sin">RoPE sines, [seq, head_dim].</param>
    /// <param name="cache">This layer's cache, or null for a stand-alone forward pass from position 0.</param>
    /// <param name="observer">Sees the heads the kernel reads (in a pass without a cache), or null.</param>
    /// <returns>[batch, seq, hidden]</returns>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, LayerKvCache? cache, IAttentionObserver? observer = null)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], seq = hidden.shape[1];
        var q = _q.forward(hidden).view(batch, seq, _heads, _headDim).transpose(1, 2);
        var k = _k.forward(hidden).view(batch, seq, Layout.KvHeads, _headDim).transpose(1, 2);
        var v = _v.forward(hidden).view(batch, seq, Layout.KvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);

        long past = 0;
        if (cache is not null)
        {
            past = cache.Length;
            (k, v) = cache.Append(k, v);
        }
        // [batch, H, total, head_dim]: each query head reads its own KV head.
        var keys = k.index_select(1, QueryToKv);
        var values = v.index_select(1, QueryToKv);
        if (cache is null) observer?.AttentionHeads(_layer, this, q, keys, values);

        Tensor attended;
        if (_window is { } window && past + seq > window)
            // Only a sliding window is visible: the mask must be explicit.
            attended = nn.functional.scaled_dot_product_attention(q, keys, values, attn_mask: CausalMask(seq, past, hidden.device, window));
        else if (past == 0)
            attended = nn.functional.scaled_dot_product_attention(q, keys, values, is_casual: seq > 1);
        else if (seq == 1)
            attended = nn.functional.scaled_dot_product_attention(q, keys, values); // one new token sees everything cached
        else
            // is_causal aligns the triangle to the top-left; with a cached prefix it must align to the bottom-right.
            attended = nn.functional.scaled_dot_product_attention(q, keys, values, attn_mask: CausalMask(seq, past, hidden.device, null));

        var merged = attended.transpose(1, 2).reshape(batch, seq, (long)_heads * _headDim);
        return _o.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True where query i (at position past+i) may attend to key j: j ≤ past + i, and with a sliding window w also
    /// j &gt; past + i − w (Transformers' sliding-window mask). Shape [seq, past+seq].
    /// </summary>
    private static Tensor CausalMask(long seq, long past, Device device, int? window)
    {
        var queryPositions = Scalars.Range(past, past + seq, device).unsqueeze(1);
        var keyPositions = Scalars.Range(0, past + seq, device).unsqueeze(0);
        var mask = keyPositions.le(queryPositions);
        return window is { } w ? mask.logical_and(keyPositions.gt(queryPositions - w)) : mask;
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// The cached keys and values of one attention layer. It stores only the layer's G KV heads (after RoPE), never
/// the per-query-head expansion, so its size is exactly G/H of an MHA cache. Storage grows geometrically; rows
/// [0, <see cref="Length"/>) of the buffers hold data.
/// </summary>
/// <remarks>For inference: appended tensors are copied without their autograd history.</remarks>
public sealed class LayerKvCache : IDisposable
{
    private const long MinimumCapacity = 16;

    // [batch, kv_heads, capacity, head_dim]; null until the first append.
    private Tensor? _keys;
    private Tensor? _values;

    /// <summary>Creates an empty cache for one layer.</summary>
    /// <param name="batchSize">Sequences decoded together.</param>
    /// <param name="kvHeads">KV heads G the layer stores.</param>
    /// <param name="headDim">Head size d.</param>
    public LayerKvCache(long batchSize, int kvHeads, int headDim)
    {
        Preconditions.CheckPositive(batchSize);
        Preconditions.CheckPositive(kvHeads);
        Preconditions.CheckPositive(headDim);
        BatchSize = batchSize;
        KvHeads = kvHeads;
        HeadDim = headDim;
    }

    /// <summary>Sequences decoded together.</summary>
    public long BatchSize { get; }

    /// <summary>KV heads G stored per token.</summary>
    public int KvHeads { get; }

    /// <summary>Head size d.</summary>
    public int HeadDim { get; }

    /// <summary>Tokens stored.</summary>
    public long Length { get; private set; }

    /// <summary>Tokens that fit before the buffers grow.</summary>
    public long Capacity => _keys?.shape[2] ?? 0;

    /// <summary>Bytes of keys and values stored: 2 · batch · G · d · tokens · element size.</summary>
    public long SizeInBytes => 2 * BatchSize * KvHeads * HeadDim * Length * ElementSize;

    /// <summary>Bytes allocated, including room not yet used.</summary>
    public long AllocatedBytes => 2 * BatchSize * KvHeads * HeadDim * Capacity * ElementSize;

    private long ElementSize => _keys?.element_size() ?? 0;

    /// <summary>Appends the keys and values of new tokens and returns everything cached so far.</summary>
    /// <param name="keys">[batch, kv_heads, new_tokens, head_dim], after RoPE.</param>
    /// <param name="values">[batch, kv_heads, new_tokens, head_dim]</param>
    /// <returns>Views [batch, kv_heads, Length, head_dim] of the cache; valid until the cache is disposed.</returns>
    public (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        Preconditions.CheckNotNull(keys);
        Preconditions.CheckNotNull(values);
        CheckShape(keys, nameof(keys));
        CheckShape(values, nameof(values));
        var added = keys.shape[2];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_keys is null || Length + added > Capacity)
        {
            var capacity = Math.Max(Length + added, Math.Max(MinimumCapacity, 2 * Capacity));
            _keys = Grow(_keys, keys, capacity);
            _values = Grow(_values, values, capacity);
        }
        _keys.narrow(2, Length, added).copy_(keys);
        _values!.narrow(2, Length, added).copy_(values);
        Length += added;
        return (_keys.narrow(2, 0, Length).MoveToOuterDisposeScope(), _values.narrow(2, 0, Length).MoveToOuterDisposeScope());
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        _keys?.Dispose();
        _values?.Dispose();
        _keys = null;
        _values = null;
        Length = 0;
    }

    private Tensor Grow(Tensor? old, Tensor like, long capacity)
    {
        var buffer = empty(new[] { BatchSize, KvHeads, capacity, HeadDim }, like.dtype, like.device).DetachFromDisposeScope();
        if (old is not null)
        {
            if (Length > 0) buffer.narrow(2, 0, Length).copy_(old.narrow(2, 0, Length));
            old.Dispose();
        }
        return buffer;
    }

    private void CheckShape(Tensor t, string name)
    {
        if (t.dim() != 4 || t.shape[0] != BatchSize || t.shape[1] != KvHeads || t.shape[3] != HeadDim)
            throw new ArgumentException(
                $"Expected [{BatchSize}, {KvHeads}, tokens, {HeadDim}] but got {LlamaWeightShapes.Format(t.shape)}.", name);
    }
}

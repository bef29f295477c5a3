using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Statistics;

/// <summary>
/// One layer's K and V weights (and biases, when present) as their stored bytes, read into memory by
/// <see cref="LayerKvReader"/>: everything the statistics of a layer need (its content hash and its Gram matrix), in
/// one place, read once.
/// </summary>
/// <remarks>The bytes belong to a pooled buffer that is reused once the reader's callback returns; do not keep them.</remarks>
public sealed class LayerKv
{
    /// <summary>The number of parts: K, V, K bias, V bias, in that order (<see cref="Tensor"/>, <see cref="Bytes"/>).</summary>
    public const int PartCount = 4;

    private readonly ProjectionRows?[] _tensors; // K, V, K bias, V bias; null when absent
    private readonly (int Offset, int Length)[] _parts; // where each part's bytes are in _buffer; length −1 when absent

    internal LayerKv(AttentionTensors attention, int heads, long headElements, byte[] buffer, (int Offset, int Length)[] parts)
    {
        Attention = attention;
        Heads = heads;
        HeadElements = headElements;
        Buffer = buffer;
        _tensors = TensorsOf(attention);
        _parts = parts;
    }

    /// <summary>The layer's validated attention tensors (names, dtypes, shapes).</summary>
    public AttentionTensors Attention { get; }

    /// <summary>The layer's index.</summary>
    public int Layer => Attention.Layer;

    /// <summary>G, the layer's KV heads.</summary>
    public int Heads { get; }

    /// <summary>Elements of one head's block of K (or V): head_dim · hidden size.</summary>
    public long HeadElements { get; }

    /// <summary>The stored bytes of the key rows ([G·d, D], head after head, whatever the family's layout).</summary>
    public ReadOnlySpan<byte> Key => Bytes(0);

    /// <summary>The stored bytes of the value rows.</summary>
    public ReadOnlySpan<byte> Value => Bytes(1);

    /// <summary>The stored bytes of the key bias, empty when absent.</summary>
    public ReadOnlySpan<byte> KeyBias => Bytes(2);

    /// <summary>The stored bytes of the value bias, empty when absent.</summary>
    public ReadOnlySpan<byte> ValueBias => Bytes(3);

    /// <summary>Total bytes held (what was read for this layer).</summary>
    public long ByteCount => _parts.Where(p => p.Length > 0).Sum(p => (long)p.Length);

    /// <summary>The buffer holding the bytes (returned to the reader's pool after use).</summary>
    internal byte[] Buffer { get; }

    /// <summary>The rows of part <paramref name="part"/> (0 K, 1 V, 2 K bias, 3 V bias), null when the layer has none.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="part"/> is not in [0, <see cref="PartCount"/>).</exception>
    public ProjectionRows? Tensor(int part) => _tensors[Preconditions.CheckRange(part, 0, PartCount - 1)];

    /// <summary>The stored bytes of part <paramref name="part"/> (0 K, 1 V, 2 K bias, 3 V bias), empty when absent.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="part"/> is not in [0, <see cref="PartCount"/>).</exception>
    public ReadOnlySpan<byte> Bytes(int part)
    {
        var (offset, length) = _parts[Preconditions.CheckRange(part, 0, PartCount - 1)];
        return length < 0 ? ReadOnlySpan<byte>.Empty : Buffer.AsSpan(offset, length);
    }

    /// <summary>The tensors in part order (null when absent).</summary>
    internal static ProjectionRows?[] TensorsOf(AttentionTensors attention)
        => [attention.Key, attention.Value, attention.KeyBias, attention.ValueBias];
}

using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Statistics;

/// <summary>
/// One layer's K and V weights (and biases, when present) as their stored bytes, read into memory by
/// <see cref="LayerKvReader"/>: everything the statistics of a layer need, in one place, read once.
/// </summary>
/// <remarks>The bytes belong to a pooled buffer that is reused once the reader's callback returns; do not keep them.</remarks>
public sealed class LayerKv
{
    private readonly byte[] _buffer;
    private readonly (int Offset, int Length)[] _parts; // K, V, K bias, V bias; length −1 when absent

    internal LayerKv(AttentionTensors attention, int heads, long headElements, byte[] buffer, (int Offset, int Length)[] parts)
    {
        Attention = attention;
        Heads = heads;
        HeadElements = headElements;
        _buffer = buffer;
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

    /// <summary>The stored bytes of <c>k_proj.weight</c> ([G·d, D], head after head).</summary>
    public ReadOnlySpan<byte> Key => Part(0);

    /// <summary>The stored bytes of <c>v_proj.weight</c>.</summary>
    public ReadOnlySpan<byte> Value => Part(1);

    /// <summary>The stored bytes of <c>k_proj.bias</c>, empty when absent (see <see cref="HasBiases"/>).</summary>
    public ReadOnlySpan<byte> KeyBias => Part(2);

    /// <summary>The stored bytes of <c>v_proj.bias</c>, empty when absent.</summary>
    public ReadOnlySpan<byte> ValueBias => Part(3);

    /// <summary>True when the layer has K or V biases.</summary>
    public bool HasBiases => _parts[2].Length >= 0 || _parts[3].Length >= 0;

    /// <summary>The buffer holding the bytes (returned to the reader's pool after use).</summary>
    internal byte[] Buffer => _buffer;

    /// <summary>Total bytes held (what was read for this layer).</summary>
    public long ByteCount => _parts.Where(p => p.Length > 0).Sum(p => (long)p.Length);

    /// <summary>The tensors in the order of <see cref="Key"/>, <see cref="Value"/>, <see cref="KeyBias"/>, <see cref="ValueBias"/> (null when absent).</summary>
    internal static CheckpointTensor?[] TensorsOf(AttentionTensors attention)
        => [attention.Key, attention.Value, attention.KeyBias, attention.ValueBias];

    private ReadOnlySpan<byte> Part(int index)
    {
        var (offset, length) = _parts[index];
        return length < 0 ? ReadOnlySpan<byte>.Empty : _buffer.AsSpan(offset, length);
    }
}

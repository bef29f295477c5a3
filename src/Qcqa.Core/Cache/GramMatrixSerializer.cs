using System.Buffers.Binary;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Cache;

/// <summary>
/// Stores a <see cref="GramMatrix"/> as its size (uint32) followed by H² float64 values, all little-endian, so
/// entries move between machines of either byte order.
/// </summary>
public sealed class GramMatrixSerializer : ICacheSerializer<GramMatrix>
{
    /// <summary>The shared instance (the serializer has no state).</summary>
    public static GramMatrixSerializer Instance { get; } = new();

    /// <inheritdoc />
    public byte[] Serialize(GramMatrix value)
    {
        Preconditions.CheckNotNull(value);
        var values = value.Values;
        var bytes = new byte[4 + values.Length * sizeof(double)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value.Size);
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(4 + i * sizeof(double)), values[i]);
        return bytes;
    }

    /// <inheritdoc />
    public GramMatrix Deserialize(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4) throw new InvalidDataException("A Gram payload needs at least 4 bytes.");
        var size = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (size == 0 || size > 65536 || payload.Length != 4 + (long)size * size * sizeof(double))
            throw new InvalidDataException($"A Gram payload of {payload.Length} bytes cannot hold a {size}×{size} matrix.");
        var values = new double[size * size];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(payload[(4 + i * sizeof(double))..]);
        return new GramMatrix((int)size, values);
    }
}

using System.Buffers.Binary;
using Qcqa.Core.Cache;

namespace Qcqa.Core.Calibration;

/// <summary>
/// Stores <see cref="CalibrationStatistics"/> as little-endian binary: token count (int64), layer count (uint32),
/// then per layer D (uint32), H (uint32), (D+1)² float64 moments and H float64 spreads.
/// </summary>
public sealed class CalibrationStatisticsSerializer : ICacheSerializer<CalibrationStatistics>
{
    /// <summary>The shared instance (the serializer has no state).</summary>
    public static CalibrationStatisticsSerializer Instance { get; } = new();

    /// <inheritdoc />
    public byte[] Serialize(CalibrationStatistics value)
    {
        Preconditions.CheckNotNull(value);
        var length = 12L + value.Layers.Sum(LayerCalibrationSerializer.SizeOf);
        Preconditions.CheckArgument(length <= Array.MaxLength, "These statistics are too large for one payload; store them layer by layer (LayerCalibrationSerializer).");
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, value.Tokens);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)value.Layers.Count);
        var at = 12;
        foreach (var layer in value.Layers) at += LayerCalibrationSerializer.Write(layer, span[at..]);
        return bytes;
    }

    /// <inheritdoc />
    public CalibrationStatistics Deserialize(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 12) throw new InvalidDataException("A calibration payload needs at least 12 bytes.");
        var tokens = BinaryPrimitives.ReadInt64LittleEndian(payload);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
        if (tokens <= 0 || count == 0 || count > 100_000) throw new InvalidDataException("A calibration payload has an impossible header.");
        var layers = new LayerCalibration[count];
        var at = 12;
        for (var l = 0; l < count; l++)
        {
            layers[l] = LayerCalibrationSerializer.Read(payload[at..], out var used);
            at += used;
        }
        if (at != payload.Length) throw new InvalidDataException("A calibration payload has trailing bytes.");
        return new CalibrationStatistics(tokens, layers);
    }
}

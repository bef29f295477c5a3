using System.Buffers.Binary;
using Qcqa.Core.Cache;

namespace Qcqa.Core.Calibration;

/// <summary>
/// Stores <see cref="CalibrationStatistics"/> as little-endian binary: token count (int64), layer count (uint32),
/// then per layer D (uint32), H (uint32), (D+1)² float64 moments and H float64 spreads.
/// </summary>
public sealed class CalibrationStatisticsSerializer : ICacheSerializer<CalibrationStatistics>
{
    private const int MaxHidden = 1 << 16;
    private const int MaxHeads = 1 << 12;

    /// <summary>The shared instance (the serializer has no state).</summary>
    public static CalibrationStatisticsSerializer Instance { get; } = new();

    /// <inheritdoc />
    public byte[] Serialize(CalibrationStatistics value)
    {
        Preconditions.CheckNotNull(value);
        var length = 12L + value.Layers.Sum(l => 8L + (l.InputMoment.Length + l.HeadOutputSpread.Length) * 8L);
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64LittleEndian(span, value.Tokens);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)value.Layers.Count);
        var at = 12;
        foreach (var layer in value.Layers)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)layer.HiddenSize);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], (uint)layer.QueryHeads);
            at += 8;
            foreach (var x in layer.InputMoment) { BinaryPrimitives.WriteDoubleLittleEndian(span[at..], x); at += 8; }
            foreach (var x in layer.HeadOutputSpread) { BinaryPrimitives.WriteDoubleLittleEndian(span[at..], x); at += 8; }
        }
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
            if (payload.Length < at + 8) throw new InvalidDataException("A calibration payload is truncated.");
            var hidden = BinaryPrimitives.ReadUInt32LittleEndian(payload[at..]);
            var heads = BinaryPrimitives.ReadUInt32LittleEndian(payload[(at + 4)..]);
            at += 8;
            if (hidden == 0 || hidden > MaxHidden || heads == 0 || heads > MaxHeads) throw new InvalidDataException("A calibration payload has an impossible layer size.");
            var moments = ((long)hidden + 1) * (hidden + 1);
            if (payload.Length < at + (moments + heads) * 8) throw new InvalidDataException("A calibration payload is truncated.");
            var moment = new double[moments];
            for (var i = 0; i < moment.Length; i++) { moment[i] = BinaryPrimitives.ReadDoubleLittleEndian(payload[at..]); at += 8; }
            var spread = new double[heads];
            for (var i = 0; i < spread.Length; i++) { spread[i] = BinaryPrimitives.ReadDoubleLittleEndian(payload[at..]); at += 8; }
            try
            {
                layers[l] = new LayerCalibration((int)hidden, moment, spread);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException("A calibration payload holds invalid statistics: " + e.Message, e);
            }
        }
        if (at != payload.Length) throw new InvalidDataException("A calibration payload has trailing bytes.");
        return new CalibrationStatistics(tokens, layers);
    }
}

using System.Buffers.Binary;
using Qcqa.Core.Cache;

namespace Qcqa.Core.Calibration;

/// <summary>The cache entry that says a calibration pass completed: how many tokens it averaged and how many layer entries it stored.</summary>
/// <param name="Tokens">Tokens the statistics average.</param>
/// <param name="Layers">Layer entries stored (see <see cref="CacheKeys.CalibrationLayer"/>).</param>
internal sealed record CalibrationIndex(long Tokens, int Layers)
{
    /// <summary>Little-endian: tokens (int64), layers (uint32), and the marker "qcqa-calibration-layers" that tells it from the single-payload format of older builds.</summary>
    public static ICacheSerializer<CalibrationIndex> Serializer { get; } = new IndexSerializer();

    private sealed class IndexSerializer : ICacheSerializer<CalibrationIndex>
    {
        private static readonly byte[] Marker = "qcqa-calibration-layers"u8.ToArray();

        public byte[] Serialize(CalibrationIndex value)
        {
            var bytes = new byte[12 + Marker.Length];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value.Tokens);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)value.Layers);
            Marker.CopyTo(bytes, 12);
            return bytes;
        }

        public CalibrationIndex Deserialize(ReadOnlySpan<byte> payload)
        {
            if (payload.Length != 12 + Marker.Length || !payload[12..].SequenceEqual(Marker))
                throw new InvalidDataException("Not a calibration index (an entry of an older format is recomputed).");
            var tokens = BinaryPrimitives.ReadInt64LittleEndian(payload);
            var layers = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]);
            if (tokens <= 0 || layers == 0 || layers > 100_000) throw new InvalidDataException("A calibration index has an impossible header.");
            return new CalibrationIndex(tokens, (int)layers);
        }
    }
}

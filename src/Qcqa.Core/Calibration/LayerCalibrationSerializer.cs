using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Qcqa.Core.Cache;

namespace Qcqa.Core.Calibration;

/// <summary>
/// Stores one <see cref="LayerCalibration"/> as little-endian binary: D (uint32), H (uint32), (D+1)² float64 moments
/// and H float64 spreads. A layer is its own cache entry: a 7B model's 32 layers take 4.3 GB together, more than one
/// payload can hold, and the stages that read them need one layer at a time.
/// </summary>
public sealed class LayerCalibrationSerializer : ICacheSerializer<LayerCalibration>
{
    private const int MaxHidden = 1 << 16;
    private const int MaxHeads = 1 << 12;

    /// <summary>The shared instance (the serializer has no state).</summary>
    public static LayerCalibrationSerializer Instance { get; } = new();

    /// <summary>The encoded size of <paramref name="layer"/>.</summary>
    public static long SizeOf(LayerCalibration layer) => 8L + (layer.InputMoment.Length + layer.HeadOutputSpread.Length) * 8L;

    /// <inheritdoc />
    public byte[] Serialize(LayerCalibration value)
    {
        Preconditions.CheckNotNull(value);
        var bytes = new byte[SizeOf(value)];
        Write(value, bytes);
        return bytes;
    }

    /// <summary>Encodes <paramref name="layer"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(LayerCalibration layer, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)layer.HiddenSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)layer.QueryHeads);
        var at = 8;
        at += WriteDoubles(layer.InputMoment, destination[at..]);
        at += WriteDoubles(layer.HeadOutputSpread, destination[at..]);
        return at;
    }

    /// <inheritdoc />
    public LayerCalibration Deserialize(ReadOnlySpan<byte> payload)
    {
        var layer = Read(payload, out var used);
        if (used != payload.Length) throw new InvalidDataException("A calibration layer payload has trailing bytes.");
        return layer;
    }

    /// <summary>Decodes a layer from the start of <paramref name="payload"/>.</summary>
    /// <exception cref="InvalidDataException">Truncated, impossible sizes or invalid values.</exception>
    public static LayerCalibration Read(ReadOnlySpan<byte> payload, out int used)
    {
        if (payload.Length < 8) throw new InvalidDataException("A calibration payload is truncated.");
        var hidden = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        var heads = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
        if (hidden == 0 || hidden > MaxHidden || heads == 0 || heads > MaxHeads) throw new InvalidDataException("A calibration payload has an impossible layer size.");
        var moments = ((long)hidden + 1) * (hidden + 1);
        if (payload.Length < 8 + (moments + heads) * 8) throw new InvalidDataException("A calibration payload is truncated.");
        var moment = ReadDoubles(payload.Slice(8, checked((int)(moments * 8))));
        var spread = ReadDoubles(payload.Slice(8 + (int)(moments * 8), (int)heads * 8));
        used = 8 + (int)((moments + heads) * 8);
        try
        {
            return new LayerCalibration((int)hidden, moment, spread);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("A calibration payload holds invalid statistics: " + e.Message, e);
        }
    }

    private static int WriteDoubles(ReadOnlySpan<double> values, Span<byte> destination)
    {
        var bytes = MemoryMarshal.AsBytes(values);
        bytes.CopyTo(destination);
        if (!BitConverter.IsLittleEndian) ReverseEach(destination[..bytes.Length]);
        return bytes.Length;
    }

    private static double[] ReadDoubles(ReadOnlySpan<byte> source)
    {
        var values = new double[source.Length / 8];
        var target = MemoryMarshal.AsBytes(values.AsSpan());
        source.CopyTo(target);
        if (!BitConverter.IsLittleEndian) ReverseEach(target);
        return values;
    }

    private static void ReverseEach(Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i += 8) bytes.Slice(i, 8).Reverse();
    }
}

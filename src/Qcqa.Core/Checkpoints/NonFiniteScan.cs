using System.Numerics;
using System.Runtime.InteropServices;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// Counts NaN and ±Inf values of a float tensor straight from its bytes (a value is non-finite exactly when its
/// exponent bits are all ones, in every float dtype), in bounded slices read from the file (not through the mapping), without converting.
/// </summary>
internal static class NonFiniteScan
{
    private const int SliceBytes = 8 << 20;

    /// <summary>The number of non-finite elements of <paramref name="tensor"/>; 0 for dtypes that are not floats.</summary>
    internal static long Count(CheckpointTensor tensor)
    {
        var dtype = tensor.Dtype;
        if (!dtype.IsConvertible()) return 0;
        var size = dtype.Size();
        var sliceBytes = SliceBytes / size * size;
        long count = 0;
        tensor.File.ReadChunks(tensor.Info, 0, tensor.Info.ByteLength, sliceBytes, bytes =>
        {
            count += dtype switch
            {
                SafetensorsDtype.F64 => CountMasked(MemoryMarshal.Cast<byte, ulong>(bytes), 0x7FF0_0000_0000_0000UL),
                SafetensorsDtype.F32 => CountMasked(MemoryMarshal.Cast<byte, uint>(bytes), 0x7F80_0000U),
                SafetensorsDtype.F16 => CountMasked(MemoryMarshal.Cast<byte, ushort>(bytes), (ushort)0x7C00),
                SafetensorsDtype.BF16 => CountMasked(MemoryMarshal.Cast<byte, ushort>(bytes), (ushort)0x7F80),
                _ => 0,
            };
        });
        return count;
    }

    // Little-endian data on a little-endian machine (the engine runs on x64 and arm64): the raw words are the values' bits.
    private static long CountMasked<T>(ReadOnlySpan<T> words, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        long count = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && words.Length >= Vector<T>.Count)
        {
            var mask = new Vector<T>(exponent);
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(words);
            foreach (var v in vectors)
            {
                var hits = Vector.Equals(v & mask, mask);
                if (hits != Vector<T>.Zero)
                    for (var lane = 0; lane < Vector<T>.Count; lane++)
                        if (hits[lane] != T.Zero) count++;
            }
            i = vectors.Length * Vector<T>.Count;
        }
        for (; i < words.Length; i++)
            if ((words[i] & exponent) == exponent) count++;
        return count;
    }
}

using System.Numerics;
using System.Runtime.InteropServices;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// Converts tensor data between its stored dtype and <see cref="float"/> or <see cref="double"/>. Stored data is
/// little-endian, as safetensors specifies; the engine runs on little-endian hosts only. Conversions to a narrower
/// type round to nearest, ties to even, and keep NaN a NaN.
/// </summary>
public static class DtypeConversion
{
    /// <summary>Widens a bfloat16 (its bits) to a float; exact.</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Rounds a float to bfloat16 (round to nearest, ties to even; NaN stays a quiet NaN).</summary>
    /// <returns>The bfloat16 bits.</returns>
    public static ushort SingleToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        // Adding 0x7FFF plus the lowest kept bit carries into the kept half exactly when the dropped half is
        // above one half, or exactly one half with an odd kept half: round half to even.
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>Rounds a double to bfloat16 with a single rounding (round to nearest, ties to even).</summary>
    /// <returns>The bfloat16 bits.</returns>
    public static ushort DoubleToBFloat16(double value) => SingleToBFloat16(RoundToOddSingle(value));

    /// <summary>Rounds a double to binary16 with a single rounding (round to nearest, ties to even).</summary>
    public static Half DoubleToHalf(double value) => (Half)RoundToOddSingle(value);

    /// <summary>
    /// Narrows a double to float rounding to odd (truncate, then set the last bit when inexact). Rounding that
    /// result again to a format at least two bits narrower equals rounding the double directly, which a plain
    /// double → float → bfloat16 chain does not: it can round twice across a tie.
    /// </summary>
    internal static float RoundToOddSingle(double value)
    {
        var single = (float)value;
        if ((double)single == value || double.IsNaN(value)) return single;
        var bits = BitConverter.SingleToUInt32Bits(single);
        if (Math.Abs((double)single) > Math.Abs(value)) bits--; // rounded away from zero: step back towards it
        return BitConverter.UInt32BitsToSingle(bits | 1u);
    }

    /// <summary>Converts stored elements to floats.</summary>
    /// <param name="dtype">The stored dtype: F64, F32, F16 or BF16.</param>
    /// <param name="source">Stored bytes: exactly <c>destination.Length × dtype size</c>.</param>
    /// <param name="destination">Receives one float per element (F64 is rounded to nearest).</param>
    /// <exception cref="ArgumentException">The dtype is not convertible or the lengths disagree.</exception>
    public static void ToSingle(SafetensorsDtype dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckLengths(dtype, source.Length, destination.Length);
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                source.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case SafetensorsDtype.BF16:
                BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            case SafetensorsDtype.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(source);
                for (var i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
                break;
            default:
                var doubles = MemoryMarshal.Cast<byte, double>(source);
                for (var i = 0; i < doubles.Length; i++) destination[i] = (float)doubles[i];
                break;
        }
    }

    /// <summary>Converts stored elements to doubles (exact for every convertible dtype).</summary>
    /// <param name="dtype">The stored dtype: F64, F32, F16 or BF16.</param>
    /// <param name="source">Stored bytes: exactly <c>destination.Length × dtype size</c>.</param>
    /// <param name="destination">Receives one double per element.</param>
    /// <exception cref="ArgumentException">The dtype is not convertible or the lengths disagree.</exception>
    public static void ToDouble(SafetensorsDtype dtype, ReadOnlySpan<byte> source, Span<double> destination)
    {
        CheckLengths(dtype, source.Length, destination.Length);
        switch (dtype)
        {
            case SafetensorsDtype.F64:
                source.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case SafetensorsDtype.F32:
                SingleToDouble(MemoryMarshal.Cast<byte, float>(source), destination);
                break;
            case SafetensorsDtype.BF16:
                BFloat16ToDouble(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            default:
                var halves = MemoryMarshal.Cast<byte, Half>(source);
                for (var i = 0; i < halves.Length; i++) destination[i] = (double)halves[i];
                break;
        }
    }

    /// <summary>Converts floats to a stored dtype.</summary>
    /// <param name="source">The values.</param>
    /// <param name="dtype">The target dtype: F64, F32, F16 or BF16.</param>
    /// <param name="destination">Receives exactly <c>source.Length × dtype size</c> bytes.</param>
    /// <exception cref="ArgumentException">The dtype is not convertible or the lengths disagree.</exception>
    public static void FromSingle(ReadOnlySpan<float> source, SafetensorsDtype dtype, Span<byte> destination)
    {
        CheckLengths(dtype, destination.Length, source.Length);
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case SafetensorsDtype.BF16:
                SingleToBFloat16(source, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            case SafetensorsDtype.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(destination);
                for (var i = 0; i < source.Length; i++) halves[i] = (Half)source[i];
                break;
            default:
                SingleToDouble(source, MemoryMarshal.Cast<byte, double>(destination));
                break;
        }
    }

    /// <summary>Converts doubles to a stored dtype, rounding once to nearest, ties to even.</summary>
    /// <param name="source">The values.</param>
    /// <param name="dtype">The target dtype: F64, F32, F16 or BF16.</param>
    /// <param name="destination">Receives exactly <c>source.Length × dtype size</c> bytes.</param>
    /// <exception cref="ArgumentException">The dtype is not convertible or the lengths disagree.</exception>
    public static void FromDouble(ReadOnlySpan<double> source, SafetensorsDtype dtype, Span<byte> destination)
    {
        CheckLengths(dtype, destination.Length, source.Length);
        switch (dtype)
        {
            case SafetensorsDtype.F64:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case SafetensorsDtype.F32:
                var singles = MemoryMarshal.Cast<byte, float>(destination);
                for (var i = 0; i < source.Length; i++) singles[i] = (float)source[i];
                break;
            case SafetensorsDtype.BF16:
                var words = MemoryMarshal.Cast<byte, ushort>(destination);
                for (var i = 0; i < source.Length; i++) words[i] = DoubleToBFloat16(source[i]);
                break;
            default:
                var halves = MemoryMarshal.Cast<byte, Half>(destination);
                for (var i = 0; i < source.Length; i++) halves[i] = DoubleToHalf(source[i]);
                break;
        }
    }

    private static void CheckLengths(SafetensorsDtype dtype, int byteCount, int elementCount)
    {
        Preconditions.CheckArgument(dtype.IsConvertible(), $"Dtype {dtype.Name()} cannot be converted to or from numbers.");
        Preconditions.CheckArgument((long)elementCount * dtype.Size() == byteCount,
            $"{byteCount} bytes of {dtype.Name()} do not hold {elementCount} elements.");
    }

    private static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var bits = MemoryMarshal.Cast<float, uint>(destination);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var step = Vector<ushort>.Count;
            var half = Vector<uint>.Count;
            for (; i <= source.Length - step; i += step)
            {
                Vector.Widen(new Vector<ushort>(source.Slice(i)), out var low, out var high);
                Vector.ShiftLeft(low, 16).CopyTo(bits.Slice(i));
                Vector.ShiftLeft(high, 16).CopyTo(bits.Slice(i + half));
            }
        }
        for (; i < source.Length; i++) bits[i] = (uint)source[i] << 16;
    }

    private static void BFloat16ToDouble(ReadOnlySpan<ushort> source, Span<double> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var step = Vector<ushort>.Count;
            var quarter = Vector<double>.Count;
            for (; i <= source.Length - step; i += step)
            {
                Vector.Widen(new Vector<ushort>(source.Slice(i)), out var low, out var high);
                Vector.Widen(Vector.AsVectorSingle(Vector.ShiftLeft(low, 16)), out var d0, out var d1);
                Vector.Widen(Vector.AsVectorSingle(Vector.ShiftLeft(high, 16)), out var d2, out var d3);
                d0.CopyTo(destination.Slice(i));
                d1.CopyTo(destination.Slice(i + quarter));
                d2.CopyTo(destination.Slice(i + 2 * quarter));
                d3.CopyTo(destination.Slice(i + 3 * quarter));
            }
        }
        for (; i < source.Length; i++) destination[i] = BFloat16ToSingle(source[i]);
    }

    private static void SingleToDouble(ReadOnlySpan<float> source, Span<double> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var step = Vector<float>.Count;
            var half = Vector<double>.Count;
            for (; i <= source.Length - step; i += step)
            {
                Vector.Widen(new Vector<float>(source.Slice(i)), out var low, out var high);
                low.CopyTo(destination.Slice(i));
                high.CopyTo(destination.Slice(i + half));
            }
        }
        for (; i < source.Length; i++) destination[i] = source[i];
    }

    private static void SingleToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var half = Vector<uint>.Count;
            var step = 2 * half;
            var bias = new Vector<uint>(0x7FFFu);
            var quiet = new Vector<uint>(0x0040u);
            for (; i <= source.Length - step; i += step)
            {
                var low = RoundToBFloat16(new Vector<float>(source.Slice(i)), bias, quiet);
                var high = RoundToBFloat16(new Vector<float>(source.Slice(i + half)), bias, quiet);
                Vector.Narrow(low, high).CopyTo(destination.Slice(i));
            }
        }
        for (; i < source.Length; i++) destination[i] = SingleToBFloat16(source[i]);
    }

    // Same rounding as the scalar SingleToBFloat16, lane by lane; results fit in 16 bits so Narrow is exact.
    private static Vector<uint> RoundToBFloat16(Vector<float> values, Vector<uint> bias, Vector<uint> quiet)
    {
        var bits = Vector.AsVectorUInt32(values);
        var upper = Vector.ShiftRightLogical(bits, 16);
        var rounded = Vector.ShiftRightLogical(bits + bias + (upper & Vector<uint>.One), 16);
        var isNumber = Vector.AsVectorUInt32(Vector.Equals(values, values));
        return Vector.ConditionalSelect(isNumber, rounded, upper | quiet);
    }
}

using System.Runtime.InteropServices;
using Qcqa.Core.Checkpoints;
using Xunit;

namespace Qcqa.Core.Tests.Checkpoints;

public class DtypeConversionTests
{
    [Fact]
    public void EveryBFloat16ValueSurvivesARoundTripThroughFloat()
    {
        for (var bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var value = DtypeConversion.BFloat16ToSingle((ushort)bits);
            var back = DtypeConversion.SingleToBFloat16(value);
            if (float.IsNaN(value)) Assert.True(float.IsNaN(DtypeConversion.BFloat16ToSingle(back)));
            else Assert.Equal((ushort)bits, back);
        }
    }

    [Fact]
    public void EveryHalfValueSurvivesARoundTripThroughDouble()
    {
        var halves = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var bytes = MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
        var doubles = new double[65536];
        DtypeConversion.ToDouble(SafetensorsDtype.F16, bytes, doubles);
        var back = new byte[bytes.Length];
        DtypeConversion.FromDouble(doubles, SafetensorsDtype.F16, back);
        for (var i = 0; i < halves.Length; i++)
        {
            var original = BitConverter.UInt16BitsToHalf(halves[i]);
            var result = MemoryMarshal.Cast<byte, Half>(back)[i];
            if (Half.IsNaN(original)) Assert.True(Half.IsNaN(result));
            else Assert.Equal(halves[i], BitConverter.HalfToUInt16Bits(result));
        }
    }

    [Theory]
    [InlineData(1.0 + 1.0 / 256, 1.0)]                         // exactly half an ulp above 1: ties to even (down)
    [InlineData(1.0 + 3.0 / 256, 1.0 + 4.0 / 256)]             // half an ulp above an odd value: ties to even (up)
    [InlineData(1.0 + 1.0 / 256 + 1.0 / 4096, 1.0 + 1.0 / 128)] // just above the tie: up
    [InlineData(-(1.0 + 1.0 / 256), -1.0)]
    public void FloatToBFloat16RoundsToNearestEven(double input, double expected)
    {
        var bits = DtypeConversion.SingleToBFloat16((float)input);
        Assert.Equal((float)expected, DtypeConversion.BFloat16ToSingle(bits));
    }

    [Fact]
    public void DoubleToBFloat16RoundsOnceWhereAFloatDetourWouldRoundTwice()
    {
        // 1 + 2^-8 + 2^-30 is above the bfloat16 tie, but as a float it becomes exactly the tie and would round down.
        var value = 1.0 + Math.Pow(2, -8) + Math.Pow(2, -30);
        Assert.Equal(1.0f + 1.0f / 128, DtypeConversion.BFloat16ToSingle(DtypeConversion.DoubleToBFloat16(value)));
        Assert.Equal(1.0f, DtypeConversion.BFloat16ToSingle(DtypeConversion.SingleToBFloat16((float)value)));
    }

    [Fact]
    public void DoubleToHalfRoundsOnceAndTiesToEven()
    {
        Assert.Equal((Half)1.0f, DtypeConversion.DoubleToHalf(1.0 + Math.Pow(2, -11)));
        Assert.Equal((Half)(1.0f + 1.0f / 1024), DtypeConversion.DoubleToHalf(1.0 + Math.Pow(2, -11) + Math.Pow(2, -40)));
        Assert.Equal(Half.PositiveInfinity, DtypeConversion.DoubleToHalf(1e300));
        Assert.True(Half.IsNaN(DtypeConversion.DoubleToHalf(double.NaN)));
    }

    [Fact]
    public void VectorisedBFloat16ConversionsMatchTheScalarOnes()
    {
        var random = new Random(7);
        var values = new float[1027];
        for (var i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30)));
        values[3] = float.NaN;
        values[4] = float.PositiveInfinity;
        values[5] = float.NegativeInfinity;
        values[6] = float.MaxValue;
        values[7] = -0.0f;
        values[8] = float.Epsilon;

        var bytes = new byte[values.Length * 2];
        DtypeConversion.FromSingle(values, SafetensorsDtype.BF16, bytes);
        var words = MemoryMarshal.Cast<byte, ushort>(bytes);
        for (var i = 0; i < values.Length; i++) Assert.Equal(DtypeConversion.SingleToBFloat16(values[i]), words[i]);

        var singles = new float[values.Length];
        var doubles = new double[values.Length];
        DtypeConversion.ToSingle(SafetensorsDtype.BF16, bytes, singles);
        DtypeConversion.ToDouble(SafetensorsDtype.BF16, bytes, doubles);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(DtypeConversion.BFloat16ToSingle(words[i]), singles[i]);
            Assert.Equal((double)DtypeConversion.BFloat16ToSingle(words[i]), doubles[i]);
        }
    }

    [Theory]
    [InlineData(SafetensorsDtype.F64)]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.BF16)]
    public void RepresentableValuesConvertExactlyBothWays(SafetensorsDtype dtype)
    {
        // Small integers and dyadic fractions are representable in every float dtype.
        var values = Enumerable.Range(-100, 201).Select(i => i / 8.0).ToArray();
        var bytes = new byte[values.Length * dtype.Size()];
        DtypeConversion.FromDouble(values, dtype, bytes);
        var doubles = new double[values.Length];
        DtypeConversion.ToDouble(dtype, bytes, doubles);
        Assert.Equal(values, doubles);

        var singles = values.Select(v => (float)v).ToArray();
        var fromSingles = new byte[bytes.Length];
        DtypeConversion.FromSingle(singles, dtype, fromSingles);
        Assert.Equal(bytes, fromSingles);
        var backToSingles = new float[values.Length];
        DtypeConversion.ToSingle(dtype, bytes, backToSingles);
        Assert.Equal(singles, backToSingles);
    }

    [Fact]
    public void IntegerDtypesAreRefusedForNumericConversion()
    {
        Assert.Throws<ArgumentException>(() => DtypeConversion.ToDouble(SafetensorsDtype.I32, new byte[4], new double[1]));
    }
}

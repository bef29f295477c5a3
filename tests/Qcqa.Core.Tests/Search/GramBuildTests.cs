using Qcqa.Core.Statistics;
using Xunit;

namespace Qcqa.Core.Tests.Search;

/// <summary>The search trusts the Gram matrix; the blocked float32 and float64 paths must give the plain dot products.</summary>
public sealed class GramBuildTests
{
    [Theory]
    [InlineData(4, 3)] // shorter than a SIMD vector
    [InlineData(5, 1031)] // not a multiple of the block or the vector width
    [InlineData(3, 2500)] // several blocks
    public void BlockedFloatAndDoublePathsEqualPlainDotProducts(int heads, int length)
    {
        var rng = new Random(heads * length);
        var values = Enumerable.Range(0, heads * length).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        var fromFloat = new GramAccumulator(heads);
        fromFloat.AddSegments(values);
        var fromDouble = new GramAccumulator(heads);
        // Split into two slices: the accumulator must add them up.
        var wide = Array.ConvertAll(values, x => (double)x);
        var first = length / 3;
        fromDouble.AddSegments(Slice(wide, heads, length, 0, first));
        fromDouble.AddSegments(Slice(wide, heads, length, first, length - first));
        var a = fromFloat.Build();
        var b = fromDouble.Build();
        for (var i = 0; i < heads; i++)
            for (var j = 0; j < heads; j++)
            {
                var plain = 0.0;
                for (var e = 0; e < length; e++) plain += wide[i * length + e] * wide[j * length + e];
                Assert.Equal(plain, a[i, j], 1e-12 * length);
                Assert.Equal(plain, b[i, j], 1e-12 * length);
                Assert.Equal(a[i, j], a[j, i]);
            }
    }

    [Theory]
    [InlineData(1, 37)]
    [InlineData(2, 8)]
    [InlineData(7, 1031)] // two-row tiles with a row left over, and a scalar tail
    [InlineData(12, 2049)] // several blocks, a single-width step and a tail in the last
    [InlineData(32, 1024)] // the Llama shape: 2×4 tiles only
    public void TiledProductsAreBitIdenticalToOnePairAtATime(int heads, int length)
    {
        // The search's results depend on the Gram matrix bit for bit, and cached Gram matrices were computed one
        // pair at a time: tiling must not change a single bit.
        var rng = new Random(heads + length);
        var values = Enumerable.Range(0, heads * length).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var tiled = new GramAccumulator(heads);
        tiled.AddSegments(values);
        var gram = tiled.Build();
        for (var i = 0; i < heads; i++)
            for (var j = i; j < heads; j++)
            {
                var expected = 0.0;
                for (var start = 0; start < length; start += 1024)
                {
                    var n = Math.Min(1024, length - start);
                    expected += PairAtATimeDot(values.AsSpan(i * length + start, n), values.AsSpan(j * length + start, n));
                }
                Assert.Equal(expected, gram[i, j]);
            }
    }

    // The accumulation order the Gram matrix has always used for one pair over one block.
    private static double PairAtATimeDot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var width = System.Numerics.Vector<double>.Count;
        var sum0 = System.Numerics.Vector<double>.Zero;
        var sum1 = System.Numerics.Vector<double>.Zero;
        var e = 0;
        for (; e <= a.Length - 2 * width; e += 2 * width)
        {
            sum0 = System.Numerics.Vector.FusedMultiplyAdd(new System.Numerics.Vector<double>(a.Slice(e, width)), new System.Numerics.Vector<double>(b.Slice(e, width)), sum0);
            sum1 = System.Numerics.Vector.FusedMultiplyAdd(new System.Numerics.Vector<double>(a.Slice(e + width, width)), new System.Numerics.Vector<double>(b.Slice(e + width, width)), sum1);
        }
        for (; e <= a.Length - width; e += width)
            sum0 = System.Numerics.Vector.FusedMultiplyAdd(new System.Numerics.Vector<double>(a.Slice(e, width)), new System.Numerics.Vector<double>(b.Slice(e, width)), sum0);
        var total = System.Numerics.Vector.Sum(sum0 + sum1);
        for (; e < a.Length; e++) total += a[e] * b[e];
        return total;
    }

    private static double[] Slice(double[] all, int heads, int length, int start, int count)
    {
        var slice = new double[heads * count];
        for (var h = 0; h < heads; h++) Array.Copy(all, h * length + start, slice, h * count, count);
        return slice;
    }
}

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

    private static double[] Slice(double[] all, int heads, int length, int start, int count)
    {
        var slice = new double[heads * count];
        for (var h = 0; h < heads; h++) Array.Copy(all, h * length + start, slice, h * count, count);
        return slice;
    }
}

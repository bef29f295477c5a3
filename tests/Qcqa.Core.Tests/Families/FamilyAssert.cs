using Qcqa.Core.Statistics;

namespace Qcqa.Core.Tests.Families;

/// <summary>Checks shared by the family tests.</summary>
internal static class FamilyAssert
{
    /// <summary>
    /// Asserts that <paramref name="gram"/> is K Kᵀ + V Vᵀ over the flattened heads of <paramref name="keys"/> and
    /// <paramref name="values"/> (each [heads·d·D], head after head), computed here naively.
    /// </summary>
    internal static void GramOf(double[] keys, double[] values, int heads, GramMatrix gram)
    {
        Assert.Equal(heads, gram.Size);
        var length = keys.Length / heads;
        for (var i = 0; i < heads; i++)
            for (var j = 0; j < heads; j++)
            {
                double expected = 0;
                for (var e = 0; e < length; e++)
                    expected += keys[i * length + e] * keys[j * length + e] + values[i * length + e] * values[j * length + e];
                Assert.True(Math.Abs(expected - gram[i, j]) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"A[{i},{j}] = {gram[i, j]:R}, expected {expected:R}");
            }
    }
}

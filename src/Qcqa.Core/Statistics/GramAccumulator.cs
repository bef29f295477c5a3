using System.Numerics;

namespace Qcqa.Core.Statistics;

/// <summary>
/// Builds a layer's <see cref="GramMatrix"/> from its K and V weights in a streaming fashion: the caller adds the
/// same element range of every head's flattened block (any number of times, in any split), so a layer can be
/// read in slices without holding the whole tensor. Products are accumulated in float64.
/// </summary>
public sealed class GramAccumulator
{
    private readonly double[] _upper; // row-major H×H; only j ≥ i is filled until Build mirrors it

    /// <summary>Starts an empty accumulation for <paramref name="heads"/> KV units.</summary>
    public GramAccumulator(int heads)
    {
        Heads = Preconditions.CheckPositive(heads);
        _upper = new double[heads * heads];
    }

    /// <summary>H.</summary>
    public int Heads { get; }

    /// <summary>
    /// Adds one slice: <paramref name="segments"/> holds, for each head, the same element range of its flattened
    /// K (or V) block, laid out head after head (length H·n for a range of n elements).
    /// </summary>
    public void AddSegments(ReadOnlySpan<double> segments)
    {
        Preconditions.CheckArgument(segments.Length % Heads == 0, "Segments must hold the same number of elements for every head.");
        var n = segments.Length / Heads;
        for (var i = 0; i < Heads; i++)
        {
            var a = segments.Slice(i * n, n);
            for (var j = i; j < Heads; j++) _upper[i * Heads + j] += Dot(a, segments.Slice(j * n, n));
        }
    }

    /// <summary>Adds a whole projection weight ([H·d, D] row-major, head h = contiguous slice h).</summary>
    public void AddWeight(ReadOnlySpan<double> weight) => AddSegments(weight);

    /// <summary>The symmetric Gram matrix of everything added so far.</summary>
    public GramMatrix Build()
    {
        var full = new double[Heads * Heads];
        for (var i = 0; i < Heads; i++)
            for (var j = i; j < Heads; j++)
                full[i * Heads + j] = full[j * Heads + i] = _upper[i * Heads + j];
        return new GramMatrix(Heads, full);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = Vector<double>.Zero;
        var width = Vector<double>.Count;
        var e = 0;
        for (; e <= a.Length - width; e += width)
            sum += new Vector<double>(a.Slice(e, width)) * new Vector<double>(b.Slice(e, width));
        var total = Vector.Sum(sum);
        for (; e < a.Length; e++) total += a[e] * b[e];
        return total;
    }
}

using System.Buffers;
using System.Numerics;

namespace Qcqa.Core.Statistics;

/// <summary>
/// Builds a layer's <see cref="GramMatrix"/> from its K and V weights in a streaming fashion: the caller adds the
/// same element range of every head's flattened block (any number of times, in any split), so a layer can be
/// read in slices without holding the whole tensor. Products are accumulated in float64.
/// </summary>
/// <remarks>
/// The work is H(H+1)/2 dot products over each head's elements. They are computed block by block (a few thousand
/// elements of every head at a time) so that each block is read from memory once and then served from cache for
/// all pairs, instead of every pair streaming two whole heads. Float32 input is widened to float64 per block;
/// a product of two float32 values is exact in float64, so the float32 path loses nothing to the conversion.
/// </remarks>
public sealed class GramAccumulator
{
    // Elements of every head per block: H × BlockElements doubles should sit in the L2 cache (32 heads → 256 KiB).
    private const int BlockElements = 1024;

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
        for (var start = 0; start < n; start += BlockElements)
            AddBlock(segments, n, start, Math.Min(BlockElements, n - start));
    }

    /// <summary>Float32 input (the common checkpoint dtype); same layout as <see cref="AddSegments(ReadOnlySpan{double})"/>.</summary>
    public void AddSegments(ReadOnlySpan<float> segments)
    {
        Preconditions.CheckArgument(segments.Length % Heads == 0, "Segments must hold the same number of elements for every head.");
        var n = segments.Length / Heads;
        var block = Math.Min(BlockElements, Math.Max(n, 1));
        var buffer = ArrayPool<double>.Shared.Rent(Heads * block);
        try
        {
            for (var start = 0; start < n; start += block)
            {
                var length = Math.Min(block, n - start);
                for (var i = 0; i < Heads; i++) Widen(segments.Slice(i * n + start, length), buffer.AsSpan(i * length, length));
                AddBlock(buffer.AsSpan(0, Heads * length), length, 0, length);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>Adds a whole projection weight ([H·d, D] row-major, head h = contiguous slice h).</summary>
    public void AddWeight(ReadOnlySpan<double> weight) => AddSegments(weight);

    /// <summary>Adds a whole float32 projection weight ([H·d, D] row-major, head h = contiguous slice h).</summary>
    public void AddWeight(ReadOnlySpan<float> weight) => AddSegments(weight);

    /// <summary>The symmetric Gram matrix of everything added so far.</summary>
    public GramMatrix Build()
    {
        var full = new double[Heads * Heads];
        for (var i = 0; i < Heads; i++)
            for (var j = i; j < Heads; j++)
                full[i * Heads + j] = full[j * Heads + i] = _upper[i * Heads + j];
        return new GramMatrix(Heads, full);
    }

    // Elements [start, start + length) of every head, where head h's segment starts at h·stride.
    private void AddBlock(ReadOnlySpan<double> data, int stride, int start, int length)
    {
        for (var i = 0; i < Heads; i++)
        {
            var a = data.Slice(i * stride + start, length);
            for (var j = i; j < Heads; j++) _upper[i * Heads + j] += Dot(a, data.Slice(j * stride + start, length));
        }
    }

    private static void Widen(ReadOnlySpan<float> source, Span<double> target)
    {
        var e = 0;
        var width = Vector<float>.Count;
        for (; e <= source.Length - width; e += width)
        {
            Vector.Widen(new Vector<float>(source.Slice(e, width)), out var low, out var high);
            low.CopyTo(target.Slice(e, Vector<double>.Count));
            high.CopyTo(target.Slice(e + Vector<double>.Count, Vector<double>.Count));
        }
        for (; e < source.Length; e++) target[e] = source[e];
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        // Two independent accumulators hide the latency of the fused multiply-adds.
        var width = Vector<double>.Count;
        var sum0 = Vector<double>.Zero;
        var sum1 = Vector<double>.Zero;
        var e = 0;
        for (; e <= a.Length - 2 * width; e += 2 * width)
        {
            sum0 = Vector.FusedMultiplyAdd(new Vector<double>(a.Slice(e, width)), new Vector<double>(b.Slice(e, width)), sum0);
            sum1 = Vector.FusedMultiplyAdd(new Vector<double>(a.Slice(e + width, width)), new Vector<double>(b.Slice(e + width, width)), sum1);
        }
        for (; e <= a.Length - width; e += width)
            sum0 = Vector.FusedMultiplyAdd(new Vector<double>(a.Slice(e, width)), new Vector<double>(b.Slice(e, width)), sum0);
        var total = Vector.Sum(sum0 + sum1);
        for (; e < a.Length; e++) total += a[e] * b[e];
        return total;
    }
}

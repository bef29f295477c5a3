using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    // Elements [start, start + length) of every head, where head h's segment starts at h·stride. Pairs are taken
    // two rows by four columns at a time, so each loaded vector serves four or two dot products instead of one;
    // every pair's dot product is still computed exactly as Dot computes it (same accumulators, same order), so the
    // result does not depend on which pairs share a tile.
    private void AddBlock(ReadOnlySpan<double> data, int stride, int start, int length)
    {
        var block = data.Slice(start);
        var i = 0;
        for (; i + 1 < Heads; i += 2)
        {
            var a0 = block.Slice(i * stride, length);
            var a1 = block.Slice((i + 1) * stride, length);
            _upper[i * Heads + i] += Dot(a0, a0);
            _upper[i * Heads + i + 1] += Dot(a0, a1);
            _upper[(i + 1) * Heads + i + 1] += Dot(a1, a1);
            var j = i + 2;
            for (; j + 3 < Heads; j += 4) AddTile(block, stride, length, i, j);
            for (; j < Heads; j++)
            {
                var b = block.Slice(j * stride, length);
                _upper[i * Heads + j] += Dot(a0, b);
                _upper[(i + 1) * Heads + j] += Dot(a1, b);
            }
        }
        if (i < Heads)
        {
            var a = block.Slice(i * stride, length);
            _upper[i * Heads + i] += Dot(a, a);
        }
    }

    // The dot products of rows i, i+1 with rows j..j+3, each accumulated exactly as Dot does it.
    private void AddTile(ReadOnlySpan<double> block, int stride, int length, int i, int j)
    {
        ref var origin = ref MemoryMarshal.GetReference(block);
        ref var x0 = ref Unsafe.Add(ref origin, i * stride);
        ref var x1 = ref Unsafe.Add(ref origin, (i + 1) * stride);
        ref var y0 = ref Unsafe.Add(ref origin, j * stride);
        ref var y1 = ref Unsafe.Add(ref origin, (j + 1) * stride);
        ref var y2 = ref Unsafe.Add(ref origin, (j + 2) * stride);
        ref var y3 = ref Unsafe.Add(ref origin, (j + 3) * stride);
        Debug.Assert((j + 3) * stride + length <= block.Length);
        var width = Vector<double>.Count;
        Vector<double> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        Vector<double> t00 = default, t01 = default, t02 = default, t03 = default, t10 = default, t11 = default, t12 = default, t13 = default;
        var e = 0;
        for (; e <= length - 2 * width; e += 2 * width)
        {
            var u = (nuint)e;
            var v = (nuint)(e + width);
            var p0 = Vector.LoadUnsafe(ref x0, u);
            var p1 = Vector.LoadUnsafe(ref x1, u);
            var q = Vector.LoadUnsafe(ref y0, u);
            s00 = Vector.FusedMultiplyAdd(p0, q, s00);
            s10 = Vector.FusedMultiplyAdd(p1, q, s10);
            q = Vector.LoadUnsafe(ref y1, u);
            s01 = Vector.FusedMultiplyAdd(p0, q, s01);
            s11 = Vector.FusedMultiplyAdd(p1, q, s11);
            q = Vector.LoadUnsafe(ref y2, u);
            s02 = Vector.FusedMultiplyAdd(p0, q, s02);
            s12 = Vector.FusedMultiplyAdd(p1, q, s12);
            q = Vector.LoadUnsafe(ref y3, u);
            s03 = Vector.FusedMultiplyAdd(p0, q, s03);
            s13 = Vector.FusedMultiplyAdd(p1, q, s13);
            p0 = Vector.LoadUnsafe(ref x0, v);
            p1 = Vector.LoadUnsafe(ref x1, v);
            q = Vector.LoadUnsafe(ref y0, v);
            t00 = Vector.FusedMultiplyAdd(p0, q, t00);
            t10 = Vector.FusedMultiplyAdd(p1, q, t10);
            q = Vector.LoadUnsafe(ref y1, v);
            t01 = Vector.FusedMultiplyAdd(p0, q, t01);
            t11 = Vector.FusedMultiplyAdd(p1, q, t11);
            q = Vector.LoadUnsafe(ref y2, v);
            t02 = Vector.FusedMultiplyAdd(p0, q, t02);
            t12 = Vector.FusedMultiplyAdd(p1, q, t12);
            q = Vector.LoadUnsafe(ref y3, v);
            t03 = Vector.FusedMultiplyAdd(p0, q, t03);
            t13 = Vector.FusedMultiplyAdd(p1, q, t13);
        }
        var row0 = i * Heads + j;
        var row1 = row0 + Heads;
        var a0 = block.Slice(i * stride, length);
        var a1 = block.Slice((i + 1) * stride, length);
        _upper[row0] += Finish(s00, t00, a0, block.Slice(j * stride, length), e);
        _upper[row0 + 1] += Finish(s01, t01, a0, block.Slice((j + 1) * stride, length), e);
        _upper[row0 + 2] += Finish(s02, t02, a0, block.Slice((j + 2) * stride, length), e);
        _upper[row0 + 3] += Finish(s03, t03, a0, block.Slice((j + 3) * stride, length), e);
        _upper[row1] += Finish(s10, t10, a1, block.Slice(j * stride, length), e);
        _upper[row1 + 1] += Finish(s11, t11, a1, block.Slice((j + 1) * stride, length), e);
        _upper[row1 + 2] += Finish(s12, t12, a1, block.Slice((j + 2) * stride, length), e);
        _upper[row1 + 3] += Finish(s13, t13, a1, block.Slice((j + 3) * stride, length), e);
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
        return Finish(sum0, sum1, a, b, e);
    }

    // The end of Dot from element e on, given its two accumulators: one more single-width step if a whole vector
    // is left, the horizontal sum, then the scalar tail.
    private static double Finish(Vector<double> sum0, Vector<double> sum1, ReadOnlySpan<double> a, ReadOnlySpan<double> b, int e)
    {
        var width = Vector<double>.Count;
        for (; e <= a.Length - width; e += width)
            sum0 = Vector.FusedMultiplyAdd(new Vector<double>(a.Slice(e, width)), new Vector<double>(b.Slice(e, width)), sum0);
        var total = Vector.Sum(sum0 + sum1);
        for (; e < a.Length; e++) total += a[e] * b[e];
        return total;
    }
}

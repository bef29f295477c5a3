using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Qcqa.Core.Search;

// The neighbourhood scans of local search, vectorised over heads. They live beside MoveDelta and SwapDelta because
// they must stay bit-identical to them: every lane evaluates the same expression, operation by operation (IEEE
// arithmetic is exact per lane and the JIT never contracts a multiply and an add), so the chosen step, and with it
// the whole search, is the same as a scalar scan calling MoveDelta/SwapDelta for every candidate.
internal sealed partial class PartitionState
{
    private readonly ScanBuffers _scan;

    /// <summary>
    /// The best single move at fixed G: equivalent to visiting heads in ascending order (skipping heads alone in
    /// their group) and, for each, every other group in ascending slot order, and keeping the first
    /// <see cref="MoveDelta"/> strictly below <paramref name="bound"/>.
    /// </summary>
    /// <param name="bound">The delta to beat; lowered to the chosen move's delta when one is found.</param>
    /// <param name="head">The head to move, or -1 when no move beats the bound.</param>
    /// <param name="target">The slot to move it to, or -1.</param>
    public void FindBestMove(ref double bound, out int head, out int target)
    {
        head = target = -1;
        PrepareHeadSums();
        var deltas = _scan.Deltas;
        var moveBase = _scan.MoveBase;
        for (var h = 0; h < H; h++)
        {
            var source = _label[h];
            var s = _size[source];
            if (s < 2)
            {
                moveBase[h] = double.PositiveInfinity;
                continue;
            }
            var ahh = _a[h * H + h];
            var before = GroupWse(source);
            var after = (_diag[source] - ahh) - (_pair[source] - 2 * _cross[source * H + h] + ahh) / (s - 1);
            moveBase[h] = after - before;
        }

        var width = Vector<double>.Count;
        var two = new Vector<double>(2.0);
        var infinity = new Vector<double>(double.PositiveInfinity);
        var least = infinity;
        var leastTail = double.PositiveInfinity;
        for (var t = 0; t < _count; t++)
        {
            var diagT = new Vector<double>(_diag[t]);
            var pairT = new Vector<double>(_pair[t]);
            var sizeAfter = new Vector<double>(_size[t] + 1);
            var wseT = new Vector<double>(GroupWse(t));
            var slot = new Vector<double>(t);
            var row = deltas.AsSpan(t * H, H);
            var h = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; h <= H - width; h += width)
                {
                    var ahh = Load(_aDiag, h);
                    var targetAfter = (diagT + ahh) - (pairT + two * Load(_cross, t * H + h) + ahh) / sizeAfter;
                    var delta = Load(moveBase, h) + targetAfter - wseT;
                    delta = Vector.ConditionalSelect(Vector.Equals(Load(_scan.Source, h), slot), infinity, delta);
                    delta.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(deltas), (nuint)(t * H + h));
                    least = Vector.ConditionalSelect(Vector.LessThan(delta, least), delta, least);
                }
            }
            for (; h < H; h++)
            {
                row[h] = _label[h] == t || double.IsPositiveInfinity(moveBase[h]) ? double.PositiveInfinity : MoveDelta(h, t);
                if (row[h] < leastTail) leastTail = row[h];
            }
        }
        if (!(Math.Min(Minimum(least), leastTail) < bound)) return;
        for (var h = 0; h < H; h++)
            for (var t = 0; t < _count; t++)
            {
                var delta = deltas[t * H + h];
                if (delta < bound) (bound, head, target) = (delta, h, t);
            }
    }

    /// <summary>
    /// The best swap of two heads in different groups: equivalent to visiting pairs i &lt; j in ascending order and
    /// keeping the first <see cref="SwapDelta"/> strictly below <paramref name="bound"/>.
    /// </summary>
    /// <param name="bound">The delta to beat; lowered to the chosen swap's delta when one is found.</param>
    /// <param name="first">The smaller head of the swap, or -1 when no swap beats the bound.</param>
    /// <param name="second">The larger head, or -1.</param>
    public void FindBestSwap(ref double bound, out int first, out int second)
    {
        first = second = -1;
        PrepareHeadSums();
        var deltas = _scan.Deltas;
        var toHead = _scan.ToHead;
        var width = Vector<double>.Count;
        var least = double.PositiveInfinity;
        var two = new Vector<double>(2.0);
        var infinity = new Vector<double>(double.PositiveInfinity);
        for (var i = 0; i < H - 1; i++)
        {
            var s = _label[i];
            var aii = _a[i * H + i];
            // Vectors start at a multiple of the width at or before i + 1; lanes j ≤ i are masked out.
            var j = Vector.IsHardwareAccelerated ? (i + 1) / width * width : i + 1;
            for (var k = j; k < H; k++) toHead[k] = _cross[_label[k] * H + i];
            var leavingS = new Vector<double>(-2 * _cross[s * H + i] + aii);
            var aiiV = new Vector<double>(aii);
            var sizeS = new Vector<double>(_size[s]);
            var slot = new Vector<double>(s);
            var last = new Vector<double>(i);
            var leastV = infinity;
            if (Vector.IsHardwareAccelerated)
            {
                for (; j <= H - width; j += width)
                {
                    var aij = Load(_a, i * H + j);
                    var ajj = Load(_aDiag, j);
                    var pairS = leavingS + two * (Load(_cross, s * H + j) - aij) + ajj;
                    var pairT = -two * Load(_scan.Self, j) + ajj + two * (Load(toHead, j) - aij) + aiiV;
                    var delta = -pairS / sizeS - pairT / Load(_scan.Size, j);
                    var excluded = Vector.Equals(Load(_scan.Source, j), slot) | Vector.LessThanOrEqual(Load(_scan.Index, j), last);
                    delta = Vector.ConditionalSelect(excluded, infinity, delta);
                    delta.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(deltas), (nuint)(i * H + j));
                    leastV = Vector.ConditionalSelect(Vector.LessThan(delta, leastV), delta, leastV);
                }
            }
            least = Math.Min(least, Minimum(leastV));
            for (; j < H; j++)
            {
                var delta = j <= i || _label[j] == s ? double.PositiveInfinity : SwapDelta(i, j);
                deltas[i * H + j] = delta;
                if (delta < least) least = delta;
            }
        }
        if (!(least < bound)) return;
        for (var i = 0; i < H - 1; i++)
            for (var j = i + 1; j < H; j++)
            {
                var delta = deltas[i * H + j];
                if (delta < bound) (bound, first, second) = (delta, i, j);
            }
    }

    // Per head: its slot, its group's size and C(h, S(h)), laid out for vector loads.
    private void PrepareHeadSums()
    {
        for (var h = 0; h < H; h++)
        {
            var g = _label[h];
            _scan.Source[h] = g;
            _scan.Size[h] = _size[g];
            _scan.Self[h] = _cross[g * H + h];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> Load(double[] values, int offset)
    {
        Debug.Assert(offset >= 0 && offset + Vector<double>.Count <= values.Length);
        return Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(values), (nuint)offset);
    }

    // The smallest lane, ignoring NaN (a NaN delta is never chosen, as in the scalar scan).
    private static double Minimum(Vector<double> values)
    {
        var least = double.PositiveInfinity;
        for (var lane = 0; lane < Vector<double>.Count; lane++)
            if (values[lane] < least) least = values[lane];
        return least;
    }

    /// <summary>Scratch of the neighbourhood scans, sized for H heads.</summary>
    private sealed class ScanBuffers(int heads)
    {
        public readonly double[] Source = new double[heads]; // slot of each head, as a double for vector compares
        public readonly double[] Size = new double[heads]; // |S(h)|
        public readonly double[] Self = new double[heads]; // C(h, S(h))
        public readonly double[] MoveBase = new double[heads]; // WSE change of h leaving its group; +∞ if it may not
        public readonly double[] ToHead = new double[heads];
        public readonly double[] Index = Enumerable.Range(0, heads).Select(h => (double)h).ToArray(); // h itself // C(i, S(j)) for the head i being scanned
        public readonly double[] Deltas = new double[heads * heads]; // moves: [slot·H + head]; swaps: [i·H + j]
    }
}

using System.Numerics;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>
/// A mutable partition of one layer's heads with the sums that make its WSE cheap to update: moving a head between
/// groups or swapping two heads costs O(H), and the change in WSE of any single move or swap is known in O(1)
/// before it is made. The workhorse of mutation, repair, local search and the clustering heuristics.
/// </summary>
/// <remarks>
/// With P(S) = Σ_{i,j∈S} A_ij and D(S) = Σ_{h∈S} A_hh, WSE(S) = D(S) − P(S)/|S|; removing h from S changes P by
/// −2·C(h,S) + A_hh, where C(h,S) = Σ_{j∈S} A_hj is kept for every head and group.
/// </remarks>
internal sealed partial class PartitionState
{
    private readonly double[] _a; // the Gram matrix, row-major H×H, symmetric
    private readonly double[] _aT; // its transpose (equal to _a for a symmetric matrix; kept so no symmetry is assumed)
    private readonly double[] _aDiag; // A_hh for every head

    // Invariants: groups occupy slots 0.._count-1 and none is empty; _label[h] is the slot of head h;
    // _size[g] = |S_g|, _diag[g] = D(S_g), _pair[g] = P(S_g); _cross[g*H + i] = C(i, S_g) for every head i
    // (slot-major so that a move updates one contiguous row per group). Rows of slots ≥ _count are zero.
    private readonly int[] _label;
    private readonly int[] _size;
    private readonly double[] _diag;
    private readonly double[] _pair;
    private readonly double[] _cross;
    private int _count;

    public PartitionState(GramMatrix gram)
    {
        H = gram.Size;
        _a = gram.Values.ToArray();
        _aT = new double[H * H];
        _aDiag = new double[H];
        for (var i = 0; i < H; i++)
        {
            _aDiag[i] = _a[i * H + i];
            for (var j = 0; j < H; j++) _aT[j * H + i] = _a[i * H + j];
        }
        _scan = new ScanBuffers(H);
        _label = new int[H];
        _size = new int[H];
        _diag = new double[H];
        _pair = new double[H];
        _cross = new double[H * H];
    }

    /// <summary>H.</summary>
    public int H { get; }

    /// <summary>G, the number of non-empty groups.</summary>
    public int GroupCount => _count;

    /// <summary>The slot of the group holding <paramref name="head"/> (slots are not canonical).</summary>
    public int LabelOf(int head) => _label[head];

    /// <summary>|S_g| for slot <paramref name="group"/>.</summary>
    public int SizeOf(int group) => _size[group];

    /// <summary>A_ij.</summary>
    public double Gram(int i, int j) => _a[i * H + j];

    /// <summary>C(head, S_group) = Σ_{j∈S} A_head,j.</summary>
    public double Cross(int head, int group) => _cross[group * H + head];

    /// <summary>P(S_g) = Σ_{i,j∈S_g} A_ij.</summary>
    public double PairSum(int group) => _pair[group];

    /// <summary>WSE of one group.</summary>
    public double GroupWse(int group) => _diag[group] - _pair[group] / _size[group];

    /// <summary>The layer's WSE (sum over groups, O(G)).</summary>
    public double Wse
    {
        get
        {
            var total = 0.0;
            for (var g = 0; g < _count; g++) total += GroupWse(g);
            return total;
        }
    }

    /// <summary>Loads any label vector of non-negative labels (equal labels share a group); O(H²).</summary>
    public void Load(ReadOnlySpan<int> labels)
    {
        var largest = 0;
        foreach (var label in labels) largest = Math.Max(largest, label);
        Span<int> slotOf = largest < 1024 ? stackalloc int[largest + 1] : new int[largest + 1];
        slotOf.Fill(-1);
        _count = 0;
        for (var h = 0; h < H; h++)
        {
            ref var slot = ref slotOf[labels[h]];
            if (slot < 0) slot = _count++;
            _label[h] = slot;
        }
        Recompute();
    }

    /// <summary>Copies another state of the same layer (O(H·G)).</summary>
    public void CopyFrom(PartitionState other)
    {
        _count = other._count;
        other._label.CopyTo(_label, 0);
        other._size.CopyTo(_size, 0);
        other._diag.CopyTo(_diag, 0);
        other._pair.CopyTo(_pair, 0);
        Array.Copy(other._cross, _cross, _cross.Length);
    }

    /// <summary>Rebuilds every sum from the labels, discarding rounding drift of incremental updates.</summary>
    public void Recompute()
    {
        Array.Clear(_size);
        Array.Clear(_diag);
        Array.Clear(_pair);
        Array.Clear(_cross);
        for (var i = 0; i < H; i++)
        {
            var g = _label[i];
            _size[g]++;
            _diag[g] += _a[i * H + i];
        }
        // C(i, S_g) = Σ_{j∈S_g} A_ij, added in ascending j for every (g, i): row j of Aᵀ holds A_ij for all i, so
        // adding it to group g's row adds exactly the terms, in exactly the order, of a loop over i then j.
        for (var j = 0; j < H; j++)
        {
            var row = _cross.AsSpan(_label[j] * H, H);
            var column = _aT.AsSpan(j * H, H);
            var e = 0;
            if (Vector.IsHardwareAccelerated)
                for (; e <= H - Vector<double>.Count; e += Vector<double>.Count)
                    (new Vector<double>(row.Slice(e)) + new Vector<double>(column.Slice(e))).CopyTo(row.Slice(e));
            for (; e < H; e++) row[e] += column[e];
        }
        for (var i = 0; i < H; i++) _pair[_label[i]] += _cross[_label[i] * H + i];
    }

    /// <summary>Writes the canonical labels (groups numbered by their smallest head) to <paramref name="labels"/>.</summary>
    public void CopyCanonicalLabels(Span<int> labels) => CanonicalLabels.Canonicalise(_label, labels);

    /// <summary>
    /// Change in WSE if <paramref name="head"/> moved to slot <paramref name="target"/>; a target equal to
    /// <see cref="GroupCount"/> means a new group holding only the head.
    /// </summary>
    public double MoveDelta(int head, int target)
    {
        var source = _label[head];
        if (source == target) return 0.0;
        var ahh = _a[head * H + head];
        var s = _size[source];
        var before = GroupWse(source);
        var after = s == 1
            ? 0.0
            : (_diag[source] - ahh) - (_pair[source] - 2 * _cross[source * H + head] + ahh) / (s - 1);
        if (target == _count) return after - before;
        var t = _size[target];
        var targetAfter = (_diag[target] + ahh) - (_pair[target] + 2 * _cross[target * H + head] + ahh) / (t + 1);
        return after - before + targetAfter - GroupWse(target);
    }

    /// <summary>
    /// Moves <paramref name="head"/> to slot <paramref name="target"/> (or to a new group when it equals
    /// <see cref="GroupCount"/>). When the head's old group empties, the last slot takes its place.
    /// </summary>
    public void Move(int head, int target)
    {
        var source = _label[head];
        if (source == target) return;
        if (target == _count) _count++;
        var ahh = _a[head * H + head];
        _pair[source] += -2 * _cross[source * H + head] + ahh;
        _diag[source] -= ahh;
        _size[source]--;
        _pair[target] += 2 * _cross[target * H + head] + ahh;
        _diag[target] += ahh;
        _size[target]++;
        _label[head] = target;
        var row = _a.AsSpan(head * H, H);
        var from = _cross.AsSpan(source * H, H);
        var to = _cross.AsSpan(target * H, H);
        for (var i = 0; i < H; i++)
        {
            from[i] -= row[i];
            to[i] += row[i];
        }
        if (_size[source] == 0) RemoveEmpty(source);
    }

    /// <summary>Change in WSE if heads <paramref name="h"/> and <paramref name="k"/> (in different groups) traded places.</summary>
    public double SwapDelta(int h, int k)
    {
        var s = _label[h];
        var t = _label[k];
        if (s == t) return 0.0;
        var ahh = _a[h * H + h];
        var akk = _a[k * H + k];
        var ahk = _a[h * H + k];
        // D(S) + D(T) is unchanged by a swap, so only the pair sums matter.
        var pairS = -2 * _cross[s * H + h] + ahh + 2 * (_cross[s * H + k] - ahk) + akk;
        var pairT = -2 * _cross[t * H + k] + akk + 2 * (_cross[t * H + h] - ahk) + ahh;
        return -pairS / _size[s] - pairT / _size[t];
    }

    /// <summary>Trades the groups of <paramref name="h"/> and <paramref name="k"/>; sizes are unchanged.</summary>
    public void Swap(int h, int k)
    {
        var s = _label[h];
        var t = _label[k];
        if (s == t) return;
        var ahh = _a[h * H + h];
        var akk = _a[k * H + k];
        var ahk = _a[h * H + k];
        _pair[s] += -2 * _cross[s * H + h] + ahh + 2 * (_cross[s * H + k] - ahk) + akk;
        _pair[t] += -2 * _cross[t * H + k] + akk + 2 * (_cross[t * H + h] - ahk) + ahh;
        _diag[s] += akk - ahh;
        _diag[t] += ahh - akk;
        _label[h] = t;
        _label[k] = s;
        var rowH = _a.AsSpan(h * H, H);
        var rowK = _a.AsSpan(k * H, H);
        var crossS = _cross.AsSpan(s * H, H);
        var crossT = _cross.AsSpan(t * H, H);
        for (var i = 0; i < H; i++)
        {
            var d = rowK[i] - rowH[i];
            crossS[i] += d;
            crossT[i] -= d;
        }
    }

    /// <summary>Σ_{i∈S_a, j∈S_b} A_ij, O(H).</summary>
    public double Between(int a, int b)
    {
        var sum = 0.0;
        var row = _cross.AsSpan(b * H, H);
        for (var i = 0; i < H; i++)
            if (_label[i] == a) sum += row[i];
        return sum;
    }

    /// <summary>Change in WSE if slots <paramref name="a"/> and <paramref name="b"/> merged (Ward's cost; never negative up to rounding).</summary>
    public double MergeDelta(int a, int b)
    {
        var merged = _pair[a] + _pair[b] + 2 * Between(a, b);
        return _pair[a] / _size[a] + _pair[b] / _size[b] - merged / (_size[a] + _size[b]);
    }

    /// <summary>Moves every head of slot <paramref name="b"/> into slot <paramref name="a"/>; slots may be renumbered.</summary>
    public void Merge(int a, int b)
    {
        if (a == b) return;
        // Only the last move empties b (and may renumber slots), so a stays valid until then.
        Span<int> members = stackalloc int[_size[b]];
        var n = Members(b, members);
        for (var m = 0; m < n; m++) Move(members[m], a);
    }

    /// <summary>The heads of slot <paramref name="group"/>, ascending.</summary>
    public int Members(int group, Span<int> into)
    {
        var n = 0;
        for (var i = 0; i < H; i++)
            if (_label[i] == group) into[n++] = i;
        return n;
    }

    private void RemoveEmpty(int slot)
    {
        var last = _count - 1;
        if (slot != last)
        {
            _size[slot] = _size[last];
            _diag[slot] = _diag[last];
            _pair[slot] = _pair[last];
            _cross.AsSpan(last * H, H).CopyTo(_cross.AsSpan(slot * H, H));
            for (var i = 0; i < H; i++)
                if (_label[i] == last) _label[i] = slot;
        }
        _size[last] = 0;
        _diag[last] = 0;
        _pair[last] = 0;
        _cross.AsSpan(last * H, H).Clear();
        _count--;
    }
}

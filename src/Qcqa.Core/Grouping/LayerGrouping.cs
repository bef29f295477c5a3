namespace Qcqa.Core.Grouping;

/// <summary>
/// A partition of one layer's KV units (the query heads of an MHA layer, or the existing KV heads of a GQA
/// layer) into groups; every group becomes one shared KV head after merging.
/// </summary>
/// <remarks>
/// Immutable and canonical: heads inside a group are ascending and groups are ordered by their smallest head,
/// so two groupings that describe the same partition are equal and hash alike whatever labels produced them.
/// </remarks>
public sealed class LayerGrouping : IEquatable<LayerGrouping>
{
    // Invariant: _groups is canonical (see remarks); _groupOf[h] is the index in _groups of the group holding h.
    private readonly int[][] _groups;
    private readonly int[] _groupOf;

    private LayerGrouping(int[][] canonicalGroups, int[] groupOf)
    {
        _groups = canonicalGroups;
        _groupOf = groupOf;
    }

    /// <summary>Number of KV units the partition covers (H).</summary>
    public int HeadCount => _groupOf.Length;

    /// <summary>Number of groups, i.e. KV heads kept (G).</summary>
    public int GroupCount => _groups.Length;

    /// <summary>The groups in canonical order; each is ascending.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Groups => _groups;

    /// <summary>True when every group has the same size (the grouping can be written as a standard GQA layer).</summary>
    public bool IsEqualCardinality => _groups.All(g => g.Length == _groups[0].Length);

    /// <summary>True when every head is alone (the layer stays multi-head attention).</summary>
    public bool IsIdentity => GroupCount == HeadCount;

    /// <summary>The index of the group (KV head) that <paramref name="head"/> belongs to.</summary>
    public int GroupOf(int head) => _groupOf[head];

    /// <summary>The group index of every head, in head order (a canonical label vector).</summary>
    public IReadOnlyList<int> Labels => _groupOf;

    /// <summary>Builds a grouping from explicit groups, validating that they partition 0..headCount-1.</summary>
    /// <exception cref="ArgumentException">The groups are empty, overlap, miss a head or name one out of range.</exception>
    public static LayerGrouping FromGroups(int headCount, IEnumerable<IEnumerable<int>> groups)
    {
        Preconditions.CheckPositive(headCount);
        var list = groups.Select(g => g.ToArray()).ToList();
        var seen = new bool[headCount];
        foreach (var g in list)
        {
            if (g.Length == 0) throw new ArgumentException("A group is empty.", nameof(groups));
            foreach (var h in g)
            {
                if (h < 0 || h >= headCount) throw new ArgumentException($"Head {h} is outside 0..{headCount - 1}.", nameof(groups));
                if (seen[h]) throw new ArgumentException($"Head {h} appears in more than one group.", nameof(groups));
                seen[h] = true;
            }
        }
        var missing = Array.IndexOf(seen, false);
        if (missing >= 0) throw new ArgumentException($"Head {missing} is in no group.", nameof(groups));
        return Canonicalise(headCount, list);
    }

    /// <summary>Builds a grouping from a label per head (any labels; equal labels share a group).</summary>
    public static LayerGrouping FromLabels(IReadOnlyList<int> labels)
    {
        Preconditions.CheckPositive(labels.Count);
        var byLabel = new Dictionary<int, List<int>>();
        for (var h = 0; h < labels.Count; h++)
        {
            if (!byLabel.TryGetValue(labels[h], out var g)) byLabel[labels[h]] = g = new List<int>();
            g.Add(h);
        }
        return Canonicalise(labels.Count, byLabel.Values.Select(g => g.ToArray()).ToList());
    }

    /// <summary>Every head alone: the layer stays multi-head attention.</summary>
    public static LayerGrouping Identity(int headCount)
        => FromGroups(headCount, Enumerable.Range(0, headCount).Select(h => new[] { h }));

    /// <summary>Plain GQA (Ainslie et al.): <paramref name="groupCount"/> groups of neighbouring heads.</summary>
    /// <exception cref="ArgumentException"><paramref name="groupCount"/> does not divide <paramref name="headCount"/>.</exception>
    public static LayerGrouping Gqa(int headCount, int groupCount)
    {
        Preconditions.CheckRange(groupCount, 1, headCount);
        Preconditions.CheckArgument(headCount % groupCount == 0, $"GQA needs the group count ({groupCount}) to divide the head count ({headCount}).");
        var size = headCount / groupCount;
        return FromGroups(headCount, Enumerable.Range(0, groupCount).Select(g => Enumerable.Range(g * size, size)));
    }

    /// <summary>Multi-query attention: one group holding every head.</summary>
    public static LayerGrouping Mqa(int headCount) => FromGroups(headCount, new[] { Enumerable.Range(0, headCount) });

    private static LayerGrouping Canonicalise(int headCount, List<int[]> groups)
    {
        foreach (var g in groups) Array.Sort(g);
        groups.Sort((a, b) => a[0].CompareTo(b[0]));
        var groupOf = new int[headCount];
        for (var i = 0; i < groups.Count; i++)
            foreach (var h in groups[i]) groupOf[h] = i;
        return new LayerGrouping(groups.ToArray(), groupOf);
    }

    /// <inheritdoc />
    public bool Equals(LayerGrouping? other) => other is not null && _groupOf.AsSpan().SequenceEqual(other._groupOf);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LayerGrouping);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var label in _groupOf) hash.Add(label);
        return hash.ToHashCode();
    }

    /// <summary>Groups as text, e.g. <c>[[0,5,7],[1,2],...]</c>.</summary>
    public override string ToString() => "[" + string.Join(",", _groups.Select(g => "[" + string.Join(",", g) + "]")) + "]";
}

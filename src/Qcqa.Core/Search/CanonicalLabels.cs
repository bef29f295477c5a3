namespace Qcqa.Core.Search;

/// <summary>
/// The canonical encoding of a partition as a label vector: groups are numbered 0, 1, 2, ... in the order of their
/// smallest head (the numbering <see cref="Grouping.LayerGrouping.Labels"/> uses). Two label vectors describe the
/// same partition exactly when their canonical forms are equal, so the search deduplicates on this form.
/// </summary>
internal static class CanonicalLabels
{
    /// <summary>Writes the canonical form of <paramref name="labels"/> (any non-negative labels) to <paramref name="into"/>.</summary>
    public static void Canonicalise(ReadOnlySpan<int> labels, Span<int> into)
    {
        var largest = 0;
        foreach (var label in labels) largest = Math.Max(largest, label);
        Span<int> renamed = largest < 1024 ? stackalloc int[largest + 1] : new int[largest + 1];
        renamed.Fill(-1);
        var next = 0;
        for (var h = 0; h < labels.Length; h++)
        {
            ref var name = ref renamed[labels[h]];
            if (name < 0) name = next++;
            into[h] = name;
        }
    }

    /// <summary>The canonical form as a new array.</summary>
    public static int[] Canonicalise(ReadOnlySpan<int> labels)
    {
        var result = new int[labels.Length];
        Canonicalise(labels, result);
        return result;
    }

    /// <summary>True when both label vectors describe the same partition.</summary>
    public static bool SamePartition(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
        => a.Length == b.Length && Canonicalise(a).AsSpan().SequenceEqual(Canonicalise(b));
}

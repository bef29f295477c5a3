namespace Qcqa.Core.Search;

/// <summary>One member of the evolving population: a canonical partition and its two objectives.</summary>
internal sealed class Candidate
{
    public Candidate(int[] canonicalLabels, int groupCount, double wse)
    {
        Labels = canonicalLabels;
        GroupCount = groupCount;
        Wse = wse;
        Key = new PartitionKey(canonicalLabels);
    }

    /// <summary>Canonical labels; never mutated.</summary>
    public int[] Labels { get; }

    /// <summary>Objective 2: G.</summary>
    public int GroupCount { get; }

    /// <summary>Objective 1: WSE (from incremental sums; the final front recomputes it exactly).</summary>
    public double Wse { get; }

    public PartitionKey Key { get; }

    /// <summary>Non-domination rank (0 = first front), set by <see cref="NonDominatedSorting"/>.</summary>
    public int Rank { get; set; }

    /// <summary>Crowding distance within its front, set by <see cref="NonDominatedSorting"/>.</summary>
    public double Crowding { get; set; }

    /// <summary>Reads a state's partition into a new candidate.</summary>
    public static Candidate From(PartitionState state)
    {
        var labels = new int[state.H];
        state.CopyCanonicalLabels(labels);
        return new Candidate(labels, state.GroupCount, state.Wse);
    }

    /// <summary>True when this candidate Pareto-dominates <paramref name="other"/> (both objectives minimised).</summary>
    public bool Dominates(Candidate other)
        => Wse <= other.Wse && GroupCount <= other.GroupCount && (Wse < other.Wse || GroupCount < other.GroupCount);
}

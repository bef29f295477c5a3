namespace Qcqa.Core.Search;

/// <summary>The best candidate seen at every G: elitist memory that the population's selection cannot lose.</summary>
internal sealed class ParetoArchive
{
    // Invariant: _best[g] is null or the lowest-WSE candidate offered with G = g (first offered wins ties).
    private readonly Candidate?[] _best;

    public ParetoArchive(int headCount) => _best = new Candidate?[headCount + 1];

    /// <summary>The best candidate at G, or null when none was offered.</summary>
    public Candidate? this[int groupCount] => _best[groupCount];

    /// <summary>Keeps <paramref name="candidate"/> if it beats the best at its G; returns whether it did.</summary>
    public bool Offer(Candidate candidate)
    {
        ref var slot = ref _best[candidate.GroupCount];
        if (slot is not null && !(candidate.Wse < slot.Wse)) return false;
        slot = candidate;
        return true;
    }
}

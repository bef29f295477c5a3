using Qcqa.Core.Grouping;
using Qcqa.Core.Search;

namespace Qcqa.Core.Allocation;

/// <summary>
/// The paper's own second stage, for comparison: every layer either takes its grouping at one fixed G or stays
/// multi-head attention, and the set of layers left MHA is the one that meets the budget with least total WSE.
/// Solved exactly (a knapsack over the binary choice) rather than by the paper's evolutionary search.
/// </summary>
public static class MhaOrGroupedAllocator
{
    /// <summary>Chooses, per layer, G = <paramref name="groupCount"/> or MHA.</summary>
    /// <param name="fronts">Stage-1 fronts, one per layer in layer order, all from the same mode.</param>
    /// <param name="groupCount">The fixed G of grouped layers; every non-pinned layer's front needs a point there.</param>
    /// <param name="budget">Usually a global fraction; pins and per-layer caps are honoured too.</param>
    /// <exception cref="Diagnostics.QcqaException">The budget is out of range or cannot be met, or a layer has no grouping at <paramref name="groupCount"/> (<c>QCQA030</c>).</exception>
    public static ModelGrouping Allocate(IReadOnlyList<LayerFront> fronts, int groupCount, KvBudget budget)
    {
        var resolved = BudgetResolver.Resolve(fronts, budget);
        for (var l = 0; l < fronts.Count; l++)
            if (!resolved.Pinned[l] && !fronts[l].TryGet(groupCount, out _) && groupCount != fronts[l].HeadCount)
                throw BudgetResolver.Impossible(
                    $"Layer {l} has no grouping with {groupCount} KV heads: its groupings ({fronts[l].Mode.ToName()}) have G in {{{string.Join(", ", fronts[l].GroupCounts)}}}.");
        return ChoiceAllocator.Allocate(
            fronts,
            resolved,
            (_, point) => point.GroupCount == groupCount,
            l => $"it can only be grouped to {groupCount} KV heads or stay MHA with {fronts[l].HeadCount}");
    }
}

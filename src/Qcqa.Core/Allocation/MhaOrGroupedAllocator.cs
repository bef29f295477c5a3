using Qcqa.Core.Diagnostics;
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
    /// <param name="budget">The budget resolved for these layers; usually global, pins and per-layer caps are honoured too.</param>
    /// <exception cref="QcqaException">The budget cannot be met, or a layer has no grouping at <paramref name="groupCount"/> (<c>QCQA030</c>).</exception>
    public static ModelGrouping Allocate(IReadOnlyList<LayerFront> fronts, int groupCount, ResolvedBudget budget)
    {
        Preconditions.CheckNotNull(fronts);
        Preconditions.CheckNotNull(budget);
        for (var l = 0; l < fronts.Count; l++)
            if (!budget.Pinned[l] && !fronts[l].TryGet(groupCount, out _) && groupCount != fronts[l].HeadCount)
                throw budget.Source.Location.Error(ErrorCodes.ImpossibleBudget,
                    $"Layer {l} has no grouping with {groupCount} KV heads: its groupings ({fronts[l].Mode.ToName()}) have G in {{{string.Join(", ", fronts[l].GroupCounts)}}}.");
        return ChoiceAllocator.Allocate(
            fronts,
            budget,
            (_, point) => point.GroupCount == groupCount,
            l => $"it can only be grouped to {groupCount} KV heads or stay MHA with {fronts[l].HeadCount}");
    }

    /// <summary>Resolves <paramref name="budget"/> for the fronts' shape and mode, then allocates.</summary>
    /// <exception cref="QcqaException">The budget is out of range or cannot be met (<c>QCQA030</c>).</exception>
    public static ModelGrouping Allocate(IReadOnlyList<LayerFront> fronts, int groupCount, KvBudget budget)
        => Allocate(fronts, groupCount, KvAllocator.ResolveFor(fronts, budget));

    /// <summary>
    /// The fixed G when none is given: the paper fixes one G for grouped layers; take the largest allowed G of the
    /// first layer that does not exceed the budget's fraction, so that grouping every layer would meet the budget.
    /// </summary>
    internal static int DefaultGroupCount(IReadOnlyList<LayerFront> fronts, KvBudget budget)
    {
        var fraction = budget.GlobalFraction ?? budget.PerLayerFraction ?? 1.0;
        var front = fronts[0];
        var fitting = front.GroupCounts.Where(g => g <= fraction * front.HeadCount + 1e-9).ToList();
        return fitting.Count > 0 ? fitting.Max() : front.GroupCounts.Min();
    }
}

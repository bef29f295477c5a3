using Qcqa.Core.Grouping;
using Qcqa.Core.Search;

namespace Qcqa.Core.Allocation;

/// <summary>
/// Stage 2, exact: chooses G_l for every layer to minimise Σ_l WSE_l(G_l) within a resolved budget, by a dynamic
/// programme over (layer, KV heads used) — the multiple-choice knapsack the paper searched heuristically.
/// </summary>
public static class KvAllocator
{
    /// <summary>Allocates KV heads across layers.</summary>
    /// <param name="fronts">Stage-1 fronts, one per layer in layer order, all from the same mode.</param>
    /// <param name="budget">The budget resolved for these layers (<see cref="KvBudget.Resolve"/>).</param>
    /// <returns>
    /// A grouping with one entry per layer (its WSE and WSE relative to the layer's Gram trace), labelled with the
    /// fronts' mode. Among allocations of equal total WSE, the one keeping fewest KV heads.
    /// </returns>
    /// <exception cref="Diagnostics.QcqaException">The fronts offer too little for the budget (<c>QCQA030</c>); the message says why, with numbers.</exception>
    public static ModelGrouping Allocate(IReadOnlyList<LayerFront> fronts, ResolvedBudget budget)
        => ChoiceAllocator.Allocate(
            fronts,
            budget,
            (_, _) => true,
            l => $"its groupings ({fronts[l].Mode.ToName()} mode) have G in {{{string.Join(", ", fronts[l].GroupCounts)}}}");

    /// <summary>Resolves <paramref name="budget"/> for the fronts' shape and mode, then allocates.</summary>
    /// <exception cref="Diagnostics.QcqaException">The budget is out of range or cannot be met (<c>QCQA030</c>).</exception>
    public static ModelGrouping Allocate(IReadOnlyList<LayerFront> fronts, KvBudget budget) => Allocate(fronts, ResolveFor(fronts, budget));

    /// <summary>The budget resolved for the fronts' head counts and mode.</summary>
    /// <exception cref="Diagnostics.QcqaException">The budget is out of range or cannot be met (<c>QCQA030</c>).</exception>
    internal static ResolvedBudget ResolveFor(IReadOnlyList<LayerFront> fronts, KvBudget budget)
    {
        Preconditions.CheckNotNull(fronts);
        Preconditions.CheckNotNull(budget);
        Preconditions.CheckArgument(fronts.Count > 0, "A model needs at least one layer.");
        return budget.Resolve(fronts.Select(f => f.HeadCount).ToArray(), fronts[0].Mode).GetOrThrow();
    }
}

using Qcqa.Core.Grouping;
using Qcqa.Core.Search;

namespace Qcqa.Core.Allocation;

/// <summary>
/// Stage 2, exact: chooses G_l for every layer to minimise Σ_l WSE_l(G_l) under a <see cref="KvBudget"/>, by a
/// dynamic programme over (layer, KV heads used) — the multiple-choice knapsack the paper searched heuristically.
/// </summary>
public static class KvAllocator
{
    /// <summary>Allocates KV heads across layers.</summary>
    /// <param name="fronts">Stage-1 fronts, one per layer in layer order, all from the same mode.</param>
    /// <param name="budget">Global fraction, per-layer caps and pins, in any combination.</param>
    /// <returns>
    /// A grouping with one entry per layer (its WSE and WSE relative to the layer's Gram trace), mode
    /// <c>arbitrary</c> or <c>equal</c>. Among allocations of equal total WSE, the one keeping fewest KV heads.
    /// </returns>
    /// <exception cref="Diagnostics.QcqaException">The budget is out of range or cannot be met (<c>QCQA030</c>); the message says why, with numbers.</exception>
    public static ModelGrouping Allocate(IReadOnlyList<LayerFront> fronts, KvBudget budget)
    {
        var resolved = BudgetResolver.Resolve(fronts, budget);
        return ChoiceAllocator.Allocate(
            fronts,
            resolved,
            (_, _) => true,
            l => $"its groupings ({fronts[l].Mode.ToName()} mode) have G in {{{string.Join(", ", fronts[l].GroupCounts)}}}");
    }
}

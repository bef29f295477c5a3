using Qcqa.Core.Grouping;
using Qcqa.Core.Search;

namespace Qcqa.Core.Allocation;

/// <summary>
/// The part both stage-2 allocators share: per layer, the front points on offer that fit its cap (staying MHA is
/// always on offer when it fits), a feasibility check with a message that names the numbers, the exact knapsack,
/// and the resulting <see cref="ModelGrouping"/>.
/// </summary>
internal static class ChoiceAllocator
{
    /// <param name="fronts">Stage-1 fronts, one per layer, all of one mode.</param>
    /// <param name="budget">The resolved budget.</param>
    /// <param name="offered">Whether a point of layer l's front may be chosen at all (before caps).</param>
    /// <param name="describeOffer">What layer l offers, for the message when nothing fits its cap.</param>
    /// <exception cref="Diagnostics.QcqaException">Some layer has nothing within its cap, or the layers' least needs exceed the capacity.</exception>
    public static ModelGrouping Allocate(
        IReadOnlyList<LayerFront> fronts,
        ResolvedBudget budget,
        Func<int, FrontPoint, bool> offered,
        Func<int, string> describeOffer)
    {
        var mode = fronts[0].Mode;
        Preconditions.CheckArgument(fronts.All(f => f.Mode == mode), "Every layer's front must come from the same mode.");
        var points = new List<FrontPoint>[fronts.Count];
        for (var l = 0; l < fronts.Count; l++)
        {
            var front = fronts[l];
            var h = front.HeadCount;
            var list = budget.Pinned[l]
                ? new List<FrontPoint>()
                : front.Points.Where(p => p.GroupCount <= budget.Caps[l] && p.GroupCount < h && offered(l, p)).ToList();
            // Staying MHA costs no error and is always an option when the layer's cap allows it.
            if (h <= budget.Caps[l]) list.Add(front.TryGet(h, out var identity) ? identity : new FrontPoint(LayerGrouping.Identity(h), 0.0));
            if (list.Count == 0)
                throw BudgetResolver.Impossible($"Layer {l} may keep at most {budget.Caps[l]} KV heads, but {describeOffer(l)}.");
            points[l] = list;
        }

        var least = points.Select(p => p.Min(x => x.GroupCount)).ToArray();
        var needed = least.Sum();
        if (needed > budget.Capacity)
        {
            var pinnedLayers = Enumerable.Range(0, fronts.Count).Where(l => budget.Pinned[l]).ToArray();
            var pinnedHeads = pinnedLayers.Sum(l => least[l]);
            var detail = pinnedLayers.Length > 0
                ? $"the {pinnedLayers.Length} layer(s) pinned to MHA keep {pinnedHeads} and the other {fronts.Count - pinnedLayers.Length} need at least {needed - pinnedHeads}"
                : $"each of the {fronts.Count} layers keeps at least its smallest allowed G";
            throw BudgetResolver.Impossible(
                $"The KV budget cannot be met: the global budget allows {budget.GlobalText} KV heads, but the layers need at least {needed} ({detail}).");
        }

        var chosen = MultipleChoiceKnapsack.Solve(points.Select(p => (IReadOnlyList<(int, double)>)p.Select(x => (x.GroupCount, x.Wse)).ToList()).ToList(), budget.Capacity)
                     ?? throw new InvalidOperationException("The knapsack found no solution although the least needs fit.");
        var entries = new LayerGroupingEntry[fronts.Count];
        for (var l = 0; l < fronts.Count; l++)
        {
            var point = points[l][chosen[l]];
            entries[l] = new LayerGroupingEntry(l, point.Grouping, point.Wse, fronts[l].RelativeWse(point.Wse));
        }
        return new ModelGrouping(mode, entries);
    }
}

using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;

namespace Qcqa.Core.Allocation;

/// <summary>
/// The part both stage-2 allocators share: per layer, the front points on offer that fit its cap (staying MHA is
/// always on offer when it fits), the capacity check on what the fronts offer, the exact knapsack, and the
/// resulting <see cref="ModelGrouping"/>, labelled with the fronts' mode.
/// </summary>
internal static class ChoiceAllocator
{
    /// <param name="fronts">Stage-1 fronts, one per layer, all of one mode.</param>
    /// <param name="budget">The budget resolved for these layers.</param>
    /// <param name="offered">Whether a point of layer l's front may be chosen at all (before caps).</param>
    /// <param name="describeOffer">What layer l offers, for the message when nothing fits its cap.</param>
    /// <exception cref="QcqaException">Some layer has nothing within its cap, or the layers' least offers exceed the capacity (QCQA030 at the budget).</exception>
    public static ModelGrouping Allocate(
        IReadOnlyList<LayerFront> fronts,
        ResolvedBudget budget,
        Func<int, FrontPoint, bool> offered,
        Func<int, string> describeOffer)
    {
        Preconditions.CheckNotNull(fronts);
        Preconditions.CheckNotNull(budget);
        Preconditions.CheckArgument(fronts.Count > 0, "A model needs at least one layer.");
        Preconditions.CheckArgument(fronts.Count == budget.Caps.Count && fronts.Select(f => f.HeadCount).SequenceEqual(budget.Heads),
            "The budget was resolved for another model shape.");
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
                throw budget.Source.Location.Error(ErrorCodes.ImpossibleBudget, $"Layer {l} may keep at most {budget.Caps[l]} KV heads, but {describeOffer(l)}.");
            points[l] = list;
        }

        if (budget.CheckCapacity(points.Select(p => p.Min(x => x.GroupCount)).ToArray()) is { } problem) throw problem.ToException();

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

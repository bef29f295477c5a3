using Qcqa.Core.Allocation;
using Qcqa.Core.Search;

namespace Qcqa.Core.Tests.Allocation;

/// <summary>
/// Stage 2 by trying every combination of G_l, with the budget rules written out again independently of the
/// allocator: caps round(b·H) with halves down, snapped to the nearest allowed G (smaller on ties), explicit rules
/// override the uniform fraction (tighter wins between rules), pins keep H, global Σ G ≤ floor(b·ΣH).
/// </summary>
internal static class BruteForceAllocation
{
    /// <summary>The least total WSE, or +∞ when no combination meets the budget.</summary>
    public static double Best(IReadOnlyList<LayerFront> fronts, KvBudget budget, Func<int, int, bool>? offered = null)
    {
        var caps = Caps(fronts, budget);
        var capacity = budget.GlobalFraction is { } b ? (int)Math.Floor(b * fronts.Sum(f => f.HeadCount) + 1e-9) : int.MaxValue;
        var best = double.PositiveInfinity;
        void Recurse(int layer, int used, double total)
        {
            if (layer == fronts.Count)
            {
                best = Math.Min(best, total);
                return;
            }
            var front = fronts[layer];
            foreach (var point in front.Points)
            {
                var g = point.GroupCount;
                var pinned = Pinned(budget, layer);
                if (pinned && g != front.HeadCount) continue;
                if (g > caps[layer] || used + g > capacity) continue;
                if (offered is not null && g != front.HeadCount && !offered(layer, g)) continue;
                Recurse(layer + 1, used + g, total + point.Wse);
            }
        }
        Recurse(0, 0, 0);
        return best;
    }

    public static int[] Caps(IReadOnlyList<LayerFront> fronts, KvBudget budget)
    {
        var caps = new int[fronts.Count];
        for (var l = 0; l < fronts.Count; l++)
        {
            var h = fronts[l].HeadCount;
            int? cap = budget.PerLayerFraction is { } u ? Snap(fronts[l], RoundHalfDown(u * h)) : null;
            var rules = budget.Layers.Where(r => r.Layers.Contains(l) && r.Value.Kind != LayerBudgetKind.Mha)
                .Select(r => Snap(fronts[l], r.Value.Kind == LayerBudgetKind.Fraction ? RoundHalfDown(r.Value.Fraction * h) : r.Value.HeadCount)).ToList();
            if (rules.Count > 0) cap = rules.Min();
            caps[l] = Pinned(budget, l) ? h : cap ?? h;
        }
        return caps;
    }

    public static bool Pinned(KvBudget budget, int layer)
        => budget.KeepMha.Any(k => k.Layer == layer) || budget.Layers.Any(r => r.Value.Kind == LayerBudgetKind.Mha && r.Layers.Contains(layer));

    private static int RoundHalfDown(double x)
    {
        var floor = (int)Math.Floor(x);
        return x - floor > 0.5 + 1e-9 ? floor + 1 : floor;
    }

    private static int Snap(LayerFront front, int target)
        => front.GroupCounts.OrderBy(g => Math.Abs(g - target)).ThenBy(g => g).First();
}

using Qcqa.Core.Grouping;
using System.Globalization;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Search;

namespace Qcqa.Core.Allocation;

/// <summary>Turns a <see cref="KvBudget"/> into per-layer caps and a global capacity, rejecting budgets that make no sense.</summary>
internal static class BudgetResolver
{
    // b · ΣH is computed in double; a product meant to be an integer may land a hair below it (0.7 × 10).
    private const double IntegerSlack = 1e-9;

    /// <exception cref="QcqaException">A fraction is NaN, ≤ 0 or > 1, a count or range is out of the model, a cap rounds to
    /// zero KV heads, or a pin contradicts a per-layer cap (<see cref="ErrorCodes.ImpossibleBudget"/>).</exception>
    public static ResolvedBudget Resolve(IReadOnlyList<LayerFront> fronts, KvBudget budget)
    {
        Preconditions.CheckNotNull(fronts);
        Preconditions.CheckNotNull(budget);
        Preconditions.CheckArgument(fronts.Count > 0, "A model needs at least one layer.");
        var layers = fronts.Count;
        var totalHeads = fronts.Sum(f => f.HeadCount);

        var capacity = totalHeads;
        var globalText = $"all {totalHeads}";
        if (budget.GlobalFraction is { } global)
        {
            CheckFraction(global, "The global KV budget");
            capacity = (int)Math.Floor(global * totalHeads + IntegerSlack);
            globalText = $"floor({Text(global)} × {totalHeads}) = {capacity}";
        }

        var caps = fronts.Select(f => f.HeadCount).ToArray();
        var sources = new string?[layers];
        if (budget.LayerFraction is { } uniform)
        {
            CheckFraction(uniform, "The per-layer KV budget");
            for (var l = 0; l < layers; l++) caps[l] = Snap(fronts[l], RoundFraction(uniform, fronts[l].HeadCount, l, "the per-layer budget"));
        }

        var explicitCap = new int?[layers];
        foreach (var rule in budget.Layers)
        {
            CheckRange(rule.Layers, layers, "A per-layer budget");
            if ((rule.Fraction is null) == (rule.KvHeads is null))
                throw Impossible($"The budget for {rule.Layers} must give either a fraction or a number of KV heads, not {(rule.Fraction is null ? "neither" : "both")}.");
            for (var l = rule.Layers.First; l <= rule.Layers.Last; l++)
            {
                var heads = fronts[l].HeadCount;
                int cap;
                if (rule.Fraction is { } fraction)
                {
                    CheckFraction(fraction, $"The budget for {rule.Layers}");
                    cap = RoundFraction(fraction, heads, l, $"the budget for {rule.Layers}");
                }
                else
                {
                    cap = rule.KvHeads!.Value;
                    if (cap < 1 || cap > heads)
                        throw Impossible($"The budget for {rule.Layers} asks for {cap} KV heads, but layer {l} has {heads}: use 1..{heads}.");
                    // A count is the user's explicit choice: a G the mode cannot make is an error, not a silent snap.
                    if (!fronts[l].GroupCounts.Contains(cap))
                        throw Impossible($"The budget for {rule.Layers} asks for {cap} KV heads, but layer {l}'s {fronts[l].Mode.ToName()} groupings have G in {{{string.Join(", ", fronts[l].GroupCounts)}}}.");
                }
                cap = Snap(fronts[l], cap);
                explicitCap[l] = Math.Min(explicitCap[l] ?? int.MaxValue, cap);
            }
        }
        for (var l = 0; l < layers; l++)
            if (explicitCap[l] is { } cap) caps[l] = cap;

        var pinned = new bool[layers];
        foreach (var range in budget.PinnedMha)
        {
            CheckRange(range, layers, "A layer pinned to MHA");
            for (var l = range.First; l <= range.Last; l++)
            {
                if (explicitCap[l] is { } cap && cap < fronts[l].HeadCount)
                    throw Impossible($"Layer {l} is pinned to MHA ({fronts[l].HeadCount} KV heads) but its per-layer budget allows only {cap}; remove one of the two.");
                pinned[l] = true;
                caps[l] = fronts[l].HeadCount;
            }
        }
        return new ResolvedBudget(capacity, globalText, caps, pinned);
    }

    /// <summary>round(b · H) with exact halves going down, at least 1 or an error saying which fraction would work.</summary>
    private static int RoundFraction(double fraction, int heads, int layer, string what)
    {
        var rounded = (int)Math.Ceiling(fraction * heads - 0.5 - IntegerSlack);
        if (rounded >= 1) return rounded;
        throw Impossible($"With {what} ({Text(fraction)}), layer {layer} would keep round({Text(fraction)} × {heads}) = 0 KV heads; " +
                         $"every layer keeps at least 1, which needs a fraction above {Text(0.5 / heads)}.");
    }

    /// <summary>The allowed G (a G the front has) nearest to <paramref name="cap"/>; on a tie the smaller.</summary>
    private static int Snap(LayerFront front, int cap)
    {
        var best = -1;
        foreach (var g in front.GroupCounts.Append(front.HeadCount))
            if (best < 0 || Math.Abs(g - cap) < Math.Abs(best - cap) || (Math.Abs(g - cap) == Math.Abs(best - cap) && g < best))
                best = g;
        return best;
    }

    private static void CheckFraction(double fraction, string what)
    {
        if (double.IsNaN(fraction) || fraction <= 0 || fraction > 1)
            throw Impossible($"{what} must be a fraction of the KV heads in (0, 1]; got {Text(fraction)}.");
    }

    private static void CheckRange(LayerRange range, int layers, string what)
    {
        if (range.First < 0 || range.Last >= layers || range.First > range.Last)
            throw Impossible($"{what} names {range}, but the model has layers 0-{layers - 1}.");
    }

    internal static string Text(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    internal static QcqaException Impossible(string message) => new(ErrorCodes.ImpossibleBudget, message);
}

using Qcqa.Core.Grouping;
namespace Qcqa.Core.Search;

/// <summary>
/// Best-improvement local search at fixed G: repeatedly applies the single move (AC only; a head leaves a group of
/// two or more for another group) or swap (two heads of different groups trade places) that lowers WSE most, until
/// none lowers it by more than the tolerance. Every candidate step is priced in O(1) from the state's sums.
/// </summary>
internal static class LocalSearch
{
    // Guards against an endless loop should rounding ever make a step look like an improvement twice.
    private const int MaxSteps = 100_000;

    /// <summary>Polishes <paramref name="state"/> in place; returns the number of steps taken.</summary>
    /// <param name="state">The partition; G and, in EC mode, every group size are preserved.</param>
    /// <param name="mode">AC uses moves and swaps, EC swaps only.</param>
    /// <param name="tolerance">A step must lower WSE by more than this (absolute) to count.</param>
    public static int Polish(PartitionState state, GroupingMode mode, double tolerance)
    {
        var h = state.H;
        var steps = 0;
        while (steps < MaxSteps)
        {
            var best = -tolerance;
            int bestHead = -1, bestOther = -1;
            var bestIsSwap = false;
            if (mode == GroupingMode.Arbitrary)
            {
                var groups = state.GroupCount;
                for (var head = 0; head < h; head++)
                {
                    var source = state.LabelOf(head);
                    if (state.SizeOf(source) < 2) continue;
                    for (var target = 0; target < groups; target++)
                    {
                        if (target == source) continue;
                        var delta = state.MoveDelta(head, target);
                        if (delta < best) (best, bestHead, bestOther, bestIsSwap) = (delta, head, target, false);
                    }
                }
            }
            for (var i = 0; i < h; i++)
                for (var j = i + 1; j < h; j++)
                {
                    if (state.LabelOf(i) == state.LabelOf(j)) continue;
                    var delta = state.SwapDelta(i, j);
                    if (delta < best) (best, bestHead, bestOther, bestIsSwap) = (delta, i, j, true);
                }
            if (bestHead < 0) break;
            if (bestIsSwap) state.Swap(bestHead, bestOther);
            else state.Move(bestHead, bestOther);
            steps++;
        }
        if (steps > 0) state.Recompute();
        return steps;
    }
}

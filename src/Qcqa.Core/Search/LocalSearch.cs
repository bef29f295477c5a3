using Qcqa.Core.Grouping;

namespace Qcqa.Core.Search;

/// <summary>
/// Best-improvement local search at fixed G: repeatedly applies the single move (AC only; a head leaves a group of
/// two or more for another group) or swap (two heads of different groups trade places) that lowers WSE most, until
/// none lowers it by more than the tolerance. Every candidate step is priced in O(1) from the state's sums; the
/// scans are vectorised (<see cref="PartitionState.FindBestMove"/>) and choose exactly the step a scalar scan of
/// <see cref="PartitionState.MoveDelta"/> and <see cref="PartitionState.SwapDelta"/> would.
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
        var steps = 0;
        while (steps < MaxSteps)
        {
            var best = -tolerance;
            int head = -1, target = -1, first = -1, second = -1;
            if (mode == GroupingMode.Arbitrary) state.FindBestMove(ref best, out head, out target);
            // Swaps are visited after moves: a swap wins only by beating the best move strictly.
            state.FindBestSwap(ref best, out first, out second);
            if (first >= 0) state.Swap(first, second);
            else if (head >= 0) state.Move(head, target);
            else break;
            steps++;
        }
        if (steps > 0) state.Recompute();
        return steps;
    }
}

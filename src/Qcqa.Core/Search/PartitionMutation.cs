using Qcqa.Core.Grouping;
namespace Qcqa.Core.Search;

/// <summary>
/// Mutations made for partitions, applied to a <see cref="PartitionState"/> so the child's WSE stays current
/// through O(H) incremental updates. AC: move a head to another group, swap two heads, split a group, merge two
/// groups (the last two change G). EC: swaps only, which keep every group size.
/// </summary>
internal static class PartitionMutation
{
    /// <summary>Applies one random mutation (EC: one or more swaps).</summary>
    public static void Mutate(PartitionState state, GroupingMode mode, Random rng)
    {
        if (mode == GroupingMode.Equal)
        {
            do SwapRandom(state, rng);
            while (rng.Next(2) == 0);
            return;
        }
        switch (rng.Next(4))
        {
            case 0: MoveRandom(state, rng); break;
            case 1: SwapRandom(state, rng); break;
            case 2: SplitRandom(state, rng); break;
            default: MergeRandom(state, rng); break;
        }
    }

    /// <summary>A random head joins a random other group (emptying its own group lowers G).</summary>
    public static void MoveRandom(PartitionState state, Random rng)
    {
        if (state.GroupCount < 2)
        {
            SplitRandom(state, rng);
            return;
        }
        var head = rng.Next(state.H);
        var target = rng.Next(state.GroupCount - 1);
        if (target >= state.LabelOf(head)) target++;
        state.Move(head, target);
    }

    /// <summary>Two random heads of different groups trade places (nothing when G is 1 or H).</summary>
    public static void SwapRandom(PartitionState state, Random rng)
    {
        if (state.GroupCount < 2 || state.GroupCount == state.H) return;
        while (true)
        {
            var i = rng.Next(state.H);
            var j = rng.Next(state.H);
            if (state.LabelOf(i) == state.LabelOf(j)) continue;
            state.Swap(i, j);
            return;
        }
    }

    /// <summary>
    /// A random group of two or more splits in two around two random poles: each other member follows the nearer
    /// pole. Falls back to a merge when every group is a singleton.
    /// </summary>
    public static void SplitRandom(PartitionState state, Random rng)
    {
        if (state.GroupCount == state.H)
        {
            MergeRandom(state, rng);
            return;
        }
        int source;
        do source = rng.Next(state.GroupCount);
        while (state.SizeOf(source) < 2);
        Span<int> members = stackalloc int[state.SizeOf(source)];
        var n = state.Members(source, members);
        var first = rng.Next(n);
        var second = rng.Next(n - 1);
        if (second >= first) second++;
        var (keep, leave) = (members[first], members[second]);
        var created = state.GroupCount;
        state.Move(leave, created);
        for (var m = 0; m < n; m++)
        {
            var y = members[m];
            if (y == keep || y == leave) continue;
            if (Distance(state, y, leave) < Distance(state, y, keep)) state.Move(y, created);
        }
    }

    /// <summary>Two random groups merge (falls back to a split when G is 1).</summary>
    public static void MergeRandom(PartitionState state, Random rng)
    {
        if (state.GroupCount < 2)
        {
            if (state.H > 1) SplitRandom(state, rng);
            return;
        }
        var a = rng.Next(state.GroupCount);
        var b = rng.Next(state.GroupCount - 1);
        if (b >= a) b++;
        state.Merge(a, b);
    }

    private static double Distance(PartitionState state, int i, int j) => state.Gram(i, i) + state.Gram(j, j) - 2 * state.Gram(i, j);
}

namespace Qcqa.Core.Search;

/// <summary>
/// Brings a partition back to what the mode and the target G require, greedily and cheaply (O(H) per head placed),
/// choosing each step by its exact change in WSE.
/// </summary>
internal static class PartitionRepair
{
    /// <summary>
    /// AC: reaches exactly <paramref name="groupCount"/> groups, by dissolving the smallest group into the groups that
    /// suit each of its heads best while there are too many, and by splitting off the single head whose departure
    /// lowers WSE most while there are too few.
    /// </summary>
    public static void ToGroupCount(PartitionState state, int groupCount)
    {
        Span<int> members = stackalloc int[state.H];
        while (state.GroupCount > groupCount)
        {
            var smallest = 0;
            for (var g = 1; g < state.GroupCount; g++)
                if (state.SizeOf(g) < state.SizeOf(smallest)) smallest = g;
            var n = state.Members(smallest, members);
            // Slots renumber when the dissolved group empties, which happens only at its last head.
            for (var m = 0; m < n; m++)
            {
                var head = members[m];
                var source = state.LabelOf(head);
                var best = -1;
                var bestDelta = double.PositiveInfinity;
                for (var t = 0; t < state.GroupCount; t++)
                {
                    if (t == source) continue;
                    var delta = state.MoveDelta(head, t);
                    if (delta < bestDelta) (bestDelta, best) = (delta, t);
                }
                state.Move(head, best);
            }
        }
        while (state.GroupCount < groupCount) SplitBestHead(state);
    }

    /// <summary>Moves to a new group of its own the head whose departure lowers WSE most (never from a singleton).</summary>
    public static void SplitBestHead(PartitionState state)
    {
        var bestHead = -1;
        var bestDelta = double.PositiveInfinity;
        for (var i = 0; i < state.H; i++)
        {
            if (state.SizeOf(state.LabelOf(i)) < 2) continue;
            var delta = state.MoveDelta(i, state.GroupCount);
            if (delta < bestDelta) (bestDelta, bestHead) = (delta, i);
        }
        state.Move(bestHead, state.GroupCount);
    }

    /// <summary>Merges the two groups whose merge raises WSE least (Ward's step); O(G²·H).</summary>
    public static void MergeCheapest(PartitionState state)
    {
        int bestA = 0, bestB = 1;
        var bestDelta = double.PositiveInfinity;
        for (var a = 0; a < state.GroupCount; a++)
            for (var b = a + 1; b < state.GroupCount; b++)
            {
                var delta = state.MergeDelta(a, b);
                if (delta < bestDelta) (bestDelta, bestA, bestB) = (delta, a, b);
            }
        state.Merge(bestA, bestB);
    }

    /// <summary>
    /// EC: completes <paramref name="labels"/> (−1 = unassigned) into groups of <paramref name="groupSize"/> heads.
    /// Each new group starts from a random unassigned head and grows by the unassigned head that raises its WSE
    /// least. New groups get labels from <paramref name="nextLabel"/> on.
    /// </summary>
    public static void FillEqualGroups(PartitionState state, int[] labels, int groupSize, int nextLabel, Random rng)
    {
        var pending = new List<int>();
        for (var h = 0; h < labels.Length; h++)
            if (labels[h] < 0) pending.Add(h);
        var group = new List<int>(groupSize);
        while (pending.Count > 0)
        {
            group.Clear();
            var start = rng.Next(pending.Count);
            group.Add(pending[start]);
            pending.RemoveAt(start);
            double diag = state.Gram(group[0], group[0]), pair = diag;
            while (group.Count < groupSize)
            {
                var best = -1;
                var bestWse = double.PositiveInfinity;
                double bestDiag = 0, bestPair = 0;
                for (var p = 0; p < pending.Count; p++)
                {
                    var y = pending[p];
                    var cross = 0.0;
                    foreach (var j in group) cross += state.Gram(y, j);
                    var newDiag = diag + state.Gram(y, y);
                    var newPair = pair + 2 * cross + state.Gram(y, y);
                    var wse = newDiag - newPair / (group.Count + 1);
                    if (wse < bestWse) (bestWse, best, bestDiag, bestPair) = (wse, p, newDiag, newPair);
                }
                group.Add(pending[best]);
                pending.RemoveAt(best);
                (diag, pair) = (bestDiag, bestPair);
            }
            foreach (var h in group) labels[h] = nextLabel;
            nextLabel++;
        }
    }
}

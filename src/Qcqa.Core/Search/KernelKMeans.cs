using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>
/// Lloyd's k-means on the head vectors through the kernel trick: the squared distance of head i to the mean of
/// group S is A_ii − 2·Σ_{j∈S} A_ij/|S| + P(S)/|S|², so the weights are never touched. Deterministic: it starts
/// from a given grouping or from farthest-first centres. An AC seed.
/// </summary>
public static class KernelKMeans
{
    private const int MaxIterations = 100;

    /// <summary>Clusters the heads into exactly <paramref name="groupCount"/> groups.</summary>
    /// <param name="gram">The layer's Gram matrix.</param>
    /// <param name="groupCount">G, 1..H.</param>
    /// <param name="initial">Starting grouping with G groups, or null for farthest-first centres.</param>
    public static LayerGrouping Cluster(GramMatrix gram, int groupCount, LayerGrouping? initial = null)
    {
        Preconditions.CheckNotNull(gram);
        Preconditions.CheckRange(groupCount, 1, gram.Size);
        Preconditions.CheckArgument(initial is null || initial.GroupCount == groupCount, "The initial grouping must have G groups.");
        var state = new PartitionState(gram);
        state.Load(initial is null ? FarthestFirstLabels(gram, groupCount) : initial.Labels.ToArray());
        return LayerGrouping.FromLabels(Lloyd(state, groupCount));
    }

    /// <summary>Runs Lloyd iterations on <paramref name="state"/>; returns the best labels seen, with exactly G groups.</summary>
    internal static int[] Lloyd(PartitionState state, int groupCount)
    {
        var h = state.H;
        var labels = new int[h];
        var best = new int[h];
        FillGroups(state, groupCount);
        state.CopyCanonicalLabels(best);
        var bestWse = state.Wse;
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var changed = false;
            for (var i = 0; i < h; i++)
            {
                var current = state.LabelOf(i);
                var nearest = current;
                var nearestDistance = Distance(state, i, current);
                for (var g = 0; g < state.GroupCount; g++)
                {
                    var d = Distance(state, i, g);
                    if (d < nearestDistance) (nearest, nearestDistance) = (g, d);
                }
                labels[i] = nearest;
                changed |= nearest != current;
            }
            if (!changed) break;
            state.Load(labels);
            FillGroups(state, groupCount);
            var wse = state.Wse;
            if (wse < bestWse)
            {
                bestWse = wse;
                state.CopyCanonicalLabels(best);
            }
        }
        return best;
    }

    // A Lloyd step can empty a group; splitting off the best single heads restores G.
    private static void FillGroups(PartitionState state, int groupCount)
    {
        while (state.GroupCount < groupCount) PartitionRepair.SplitBestHead(state);
    }

    /// <summary>Squared distance of head i to the mean of slot g (kernel trick).</summary>
    internal static double Distance(PartitionState state, int i, int g)
    {
        var n = (double)state.SizeOf(g);
        return state.Gram(i, i) - 2 * state.Cross(i, g) / n + state.PairSum(g) / (n * n);
    }

    /// <summary>
    /// Farthest-first traversal: the first centre is the head farthest from the mean of all heads, each next one the
    /// head farthest from its nearest centre (ties: lowest index).
    /// </summary>
    internal static int[] FarthestFirstCentres(GramMatrix gram, int groupCount)
    {
        var h = gram.Size;
        var all = new PartitionState(gram);
        all.Load(new int[h]);
        var centres = new int[groupCount];
        var isCentre = new bool[h];
        var first = 0;
        for (var i = 1; i < h; i++)
            if (Distance(all, i, 0) > Distance(all, first, 0)) first = i;
        centres[0] = first;
        isCentre[first] = true;
        var nearest = new double[h];
        for (var i = 0; i < h; i++) nearest[i] = PointDistance(gram, i, first);
        for (var c = 1; c < groupCount; c++)
        {
            var next = -1;
            for (var i = 0; i < h; i++)
                if (!isCentre[i] && (next < 0 || nearest[i] > nearest[next])) next = i;
            centres[c] = next;
            isCentre[next] = true;
            for (var i = 0; i < h; i++) nearest[i] = Math.Min(nearest[i], PointDistance(gram, i, next));
        }
        return centres;
    }

    /// <summary>Every head joins its nearest farthest-first centre; label c is centre c's group.</summary>
    internal static int[] FarthestFirstLabels(GramMatrix gram, int groupCount)
    {
        var centres = FarthestFirstCentres(gram, groupCount);
        var labels = new int[gram.Size];
        for (var i = 0; i < gram.Size; i++)
        {
            var bestCentre = 0;
            for (var c = 1; c < groupCount; c++)
                if (PointDistance(gram, i, centres[c]) < PointDistance(gram, i, centres[bestCentre])) bestCentre = c;
            labels[i] = bestCentre;
        }
        // A head at distance zero from two centres could otherwise leave a centre without its own group.
        for (var c = 0; c < groupCount; c++) labels[centres[c]] = c;
        return labels;
    }

    /// <summary>‖x_i − x_j‖² = A_ii + A_jj − 2A_ij.</summary>
    internal static double PointDistance(GramMatrix gram, int i, int j) => gram[i, i] + gram[j, j] - 2 * gram[i, j];
}

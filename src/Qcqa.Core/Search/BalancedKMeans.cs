using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>
/// k-means with equal-size groups (an EC seed): Lloyd iterations in kernel form whose assignment step fills groups
/// of H/G heads greedily, nearest (head, group) pairs first. Deterministic: it starts from farthest-first centres.
/// </summary>
public static class BalancedKMeans
{
    private const int MaxIterations = 50;

    /// <summary>Clusters the heads into <paramref name="groupCount"/> groups of H/G heads each.</summary>
    /// <exception cref="ArgumentException"><paramref name="groupCount"/> does not divide H.</exception>
    public static LayerGrouping Cluster(GramMatrix gram, int groupCount)
    {
        Preconditions.CheckNotNull(gram);
        Preconditions.CheckRange(groupCount, 1, gram.Size);
        Preconditions.CheckArgument(gram.Size % groupCount == 0, $"Equal groups need G ({groupCount}) to divide H ({gram.Size}).");
        var h = gram.Size;
        var capacity = h / groupCount;
        var state = new PartitionState(gram);

        // Start: farthest-first centres, each a group of one, then a capacity-limited assignment to them.
        var centreOf = KernelKMeans.FarthestFirstCentres(gram, groupCount);
        var distances = new double[h * groupCount];
        for (var i = 0; i < h; i++)
            for (var g = 0; g < groupCount; g++)
                distances[i * groupCount + g] = KernelKMeans.PointDistance(gram, i, centreOf[g]);
        var labels = Assign(distances, h, groupCount, capacity);
        state.Load(labels);

        var best = new int[h];
        state.CopyCanonicalLabels(best);
        var bestWse = state.Wse;
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            for (var i = 0; i < h; i++)
                for (var g = 0; g < groupCount; g++)
                    distances[i * groupCount + g] = KernelKMeans.Distance(state, i, g);
            var next = Assign(distances, h, groupCount, capacity);
            var changed = false;
            for (var i = 0; i < h && !changed; i++) changed = next[i] != state.LabelOf(i);
            if (!changed) break;
            state.Load(next);
            var wse = state.Wse;
            if (wse < bestWse)
            {
                bestWse = wse;
                state.CopyCanonicalLabels(best);
            }
        }
        return LayerGrouping.FromLabels(best);
    }

    /// <summary>Greedy capacity-limited assignment: (head, group) pairs by distance ascending, ties by index.</summary>
    private static int[] Assign(double[] distances, int h, int groupCount, int capacity)
    {
        var order = Enumerable.Range(0, distances.Length).OrderBy(p => distances[p]).ThenBy(p => p);
        var labels = Enumerable.Repeat(-1, h).ToArray();
        var filled = new int[groupCount];
        foreach (var p in order)
        {
            var (i, g) = (p / groupCount, p % groupCount);
            if (labels[i] >= 0 || filled[g] == capacity) continue;
            labels[i] = g;
            filled[g]++;
        }
        return labels;
    }
}

using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>
/// The cheap, deterministic groupings the search starts from, and which its result is never worse than:
/// GQA (neighbouring heads) for every G dividing H, and clustering heuristics for every allowed G.
/// </summary>
public static class HeuristicSeeds
{
    /// <summary>Every seed for a layer, in a fixed order (may contain the same partition twice).</summary>
    /// <param name="gram">The layer's Gram matrix.</param>
    /// <param name="mode">
    /// AC: GQA, Ward's agglomeration, and kernel k-means started from farthest-first centres and from Ward's
    /// grouping, for every G. EC: GQA and balanced k-means for every divisor G.
    /// </param>
    public static IReadOnlyList<LayerGrouping> For(GramMatrix gram, GroupingMode mode)
    {
        Preconditions.CheckNotNull(gram);
        var h = gram.Size;
        var seeds = new List<LayerGrouping>();
        foreach (var g in GroupingMode.Equal.AllowedGroupCounts(h)) seeds.Add(LayerGrouping.Gqa(h, g));
        if (mode == GroupingMode.Equal)
        {
            foreach (var g in GroupingMode.Equal.AllowedGroupCounts(h)) seeds.Add(BalancedKMeans.Cluster(gram, g));
            return seeds;
        }
        var ward = WardAgglomeration.Dendrogram(gram);
        seeds.AddRange(ward);
        for (var g = 1; g <= h; g++)
        {
            seeds.Add(KernelKMeans.Cluster(gram, g));
            seeds.Add(KernelKMeans.Cluster(gram, g, ward[g - 1]));
        }
        return seeds;
    }
}

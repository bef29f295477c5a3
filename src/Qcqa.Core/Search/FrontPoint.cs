using Qcqa.Core.Grouping;

namespace Qcqa.Core.Search;

/// <summary>The best grouping a search found for one layer at one number of KV heads.</summary>
/// <param name="Grouping">The partition of the layer's heads; its <see cref="LayerGrouping.GroupCount"/> is G.</param>
/// <param name="Wse">Its weight-sharing error, as <see cref="Wse.WseCalculator.FromGram"/> computes it.</param>
/// <param name="SeedWse">
/// The best WSE among the search's starting points at this G (GQA where G divides H, and the clustering
/// heuristics), or null when unknown; <paramref name="Wse"/> is never above it.
/// </param>
public sealed record FrontPoint(LayerGrouping Grouping, double Wse, double? SeedWse = null)
{
    /// <summary>G, the number of KV heads kept.</summary>
    public int GroupCount => Grouping.GroupCount;
}

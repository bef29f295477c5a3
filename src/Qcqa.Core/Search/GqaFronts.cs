using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Core.Search;

/// <summary>
/// Fronts made of plain GQA groupings (neighbouring heads) at every G dividing H, so the baseline goes through the
/// same exact stage 2 as QCQA and is compared at the same KV-cache sizes.
/// </summary>
public static class GqaFronts
{
    /// <summary>One GQA front per layer.</summary>
    public static IReadOnlyList<LayerFront> Build(IReadOnlyList<GramMatrix> grams)
        => grams.Select(gram => new LayerFront(
                gram.Size,
                GroupingMode.Gqa,
                gram.Trace,
                GroupingMode.Gqa.AllowedGroupCounts(gram.Size).Select(g =>
                {
                    var grouping = LayerGrouping.Gqa(gram.Size, g);
                    return new FrontPoint(grouping, WseCalculator.FromGram(gram, grouping));
                })))
            .ToArray();
}

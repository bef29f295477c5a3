using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Core.Search;

/// <summary>The groupings QCQA is compared with, with their WSE: plain GQA (neighbouring heads) and MQA.</summary>
public static class BaselineGroupings
{
    /// <summary>GQA with <paramref name="groupCount"/> KV heads in every layer (mode <c>gqa</c>).</summary>
    /// <exception cref="QcqaException">G does not divide some layer's head count (<c>QCQA030</c>).</exception>
    public static ModelGrouping Gqa(IReadOnlyList<GramMatrix> grams, int groupCount)
    {
        Preconditions.CheckNotNull(grams);
        for (var l = 0; l < grams.Count; l++)
            if (groupCount < 1 || groupCount > grams[l].Size || grams[l].Size % groupCount != 0)
                throw new QcqaException(ErrorCodes.ImpossibleBudget,
                    $"GQA with {groupCount} KV heads needs that number to divide every layer's head count, but layer {l} has {grams[l].Size}.");
        return Build(GroupingMode.Gqa, grams, h => LayerGrouping.Gqa(h, groupCount));
    }

    /// <summary>MQA: one KV head per layer (mode <c>mqa</c>).</summary>
    public static ModelGrouping Mqa(IReadOnlyList<GramMatrix> grams)
        => Build(GroupingMode.Mqa, Preconditions.CheckNotNull(grams), LayerGrouping.Mqa);

    private static ModelGrouping Build(GroupingMode mode, IReadOnlyList<GramMatrix> grams, Func<int, LayerGrouping> grouping)
    {
        var entries = new LayerGroupingEntry[grams.Count];
        for (var l = 0; l < grams.Count; l++)
        {
            var g = grouping(grams[l].Size);
            var wse = WseCalculator.FromGram(grams[l], g);
            entries[l] = new LayerGroupingEntry(l, g, wse, WseCalculator.Relative(wse, grams[l]));
        }
        return new ModelGrouping(mode, entries);
    }
}

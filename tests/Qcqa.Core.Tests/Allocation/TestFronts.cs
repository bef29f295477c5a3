using Qcqa.Core.Grouping;
using Qcqa.Core.Search;

namespace Qcqa.Core.Tests.Allocation;

/// <summary>Synthetic stage-1 fronts with random (deliberately not monotone) WSE, for testing stage 2 alone.</summary>
internal static class TestFronts
{
    public const double Energy = 100.0;

    public static LayerFront[] Random(int layers, int heads, GroupingMode mode, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, layers)
            .Select(_ => Front(heads, mode, mode.AllowedGroupCounts(heads), g => g == heads ? 0.0 : Math.Round(rng.NextDouble() * 10, 3)))
            .ToArray();
    }

    public static LayerFront Front(int heads, GroupingMode mode, IEnumerable<int> groupCounts, Func<int, double> wse)
        => new(heads, mode, Energy, groupCounts.Select(g => new FrontPoint(GroupingWith(heads, g, mode), wse(g))));

    // Any valid grouping with G groups will do: stage 2 only reads G and WSE.
    private static LayerGrouping GroupingWith(int heads, int g, GroupingMode mode)
        => mode == GroupingMode.Equal
            ? LayerGrouping.Gqa(heads, g)
            : LayerGrouping.FromLabels(Enumerable.Range(0, heads).Select(h => Math.Min(h, g - 1)).ToArray());
}

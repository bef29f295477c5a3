using Qcqa.Core.Grouping;

namespace Qcqa.Torch.Tests.TestSupport;

/// <summary>Seeded random groupings of the two kinds a merge writes in different forms.</summary>
internal static class RandomGroupings
{
    /// <summary>
    /// Every layer split into <paramref name="groups"/> equal groups of randomly chosen units: a merge writes a
    /// standard GQA checkpoint (query heads reordered group by group).
    /// </summary>
    public static ModelGrouping EqualCardinality(int layers, int units, int groups, int seed)
    {
        var random = new Random(seed);
        var size = units / groups;
        return new ModelGrouping(GroupingMode.Equal, Enumerable.Range(0, layers).Select(layer =>
        {
            var order = Enumerable.Range(0, units).ToArray();
            random.Shuffle(order);
            var grouping = LayerGrouping.FromGroups(units, Enumerable.Range(0, groups).Select(g => order.Skip(g * size).Take(size)));
            return new LayerGroupingEntry(layer, grouping);
        }).ToArray());
    }

    /// <summary>
    /// Layer l split into <paramref name="groupsPerLayer"/>[l] groups of random, generally unequal sizes: a merge
    /// writes per-layer maps.
    /// </summary>
    public static ModelGrouping ArbitraryCardinality(int units, IReadOnlyList<int> groupsPerLayer, int seed)
    {
        var random = new Random(seed);
        return new ModelGrouping(GroupingMode.Arbitrary, groupsPerLayer.Select((groups, layer) =>
        {
            var order = Enumerable.Range(0, units).ToArray();
            random.Shuffle(order);
            var labels = new int[units];
            // The first G shuffled units open one group each, so no group is empty; the rest join any group.
            for (var i = 0; i < units; i++) labels[order[i]] = i < groups ? i : random.Next(groups);
            return new LayerGroupingEntry(layer, LayerGrouping.FromLabels(labels));
        }).ToArray());
    }
}

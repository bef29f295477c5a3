using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Xunit;

namespace Qcqa.Core.Tests.Search;

public sealed class CanonicalEncodingTests
{
    private static readonly int[] Labels = [2, 0, 2, 1, 0, 7];
    private static readonly int[] Relabelled = [5, 3, 5, 9, 3, 0];

    [Fact]
    public void RelabelledPartitionsHaveTheSameCanonicalForm()
    {
        Assert.Equal(new[] { 0, 1, 0, 2, 1, 3 }, CanonicalLabels.Canonicalise(Labels));
        Assert.Equal(CanonicalLabels.Canonicalise(Labels), CanonicalLabels.Canonicalise(Relabelled));
        Assert.True(CanonicalLabels.SamePartition(Labels, Relabelled));
    }

    [Fact]
    public void RelabelledPartitionsCompareEqualAsKeysAndAsGroupings()
    {
        var a = new PartitionKey(CanonicalLabels.Canonicalise(Labels));
        var b = new PartitionKey(CanonicalLabels.Canonicalise(Relabelled));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Single(new HashSet<PartitionKey> { a, b });
        Assert.Equal(LayerGrouping.FromLabels(Labels), LayerGrouping.FromLabels(Relabelled));
    }

    [Fact]
    public void DifferentPartitionsCompareUnequal()
    {
        int[] moved = [2, 0, 2, 1, 1, 7];
        Assert.False(CanonicalLabels.SamePartition(Labels, moved));
        Assert.NotEqual(new PartitionKey(CanonicalLabels.Canonicalise(Labels)), new PartitionKey(CanonicalLabels.Canonicalise(moved)));
    }

    [Fact]
    public void TheCanonicalFormIsTheOneLayerGroupingUses()
    {
        var state = new PartitionState(TestGrams.Random(6, 1));
        state.Load(Relabelled);
        var canonical = new int[6];
        state.CopyCanonicalLabels(canonical);
        Assert.Equal(LayerGrouping.FromLabels(Relabelled).Labels, canonical);
    }
}

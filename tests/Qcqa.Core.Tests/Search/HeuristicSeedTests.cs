using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Wse;
using Xunit;

namespace Qcqa.Core.Tests.Search;

public sealed class HeuristicSeedTests
{
    [Fact]
    public void WardsDendrogramHasEveryGAndFindsPlantedClusters()
    {
        var gram = TestGrams.Clustered(12, 4, clusters: 3, noise: 0.01);
        var dendrogram = WardAgglomeration.Dendrogram(gram);
        Assert.Equal(Enumerable.Range(1, 12), dendrogram.Select(g => g.GroupCount));
        // With tiny noise the three-group cut is the planted one: its WSE is a small fraction of the energy.
        Assert.True(WseCalculator.FromGram(gram, dendrogram[2]) < 0.01 * gram.Trace);
    }

    [Fact]
    public void KernelKMeansNeverEndsWorseThanItsStart()
    {
        var gram = TestGrams.Random(16, 8);
        foreach (var g in new[] { 2, 5, 8, 11 })
        {
            var start = WardAgglomeration.Dendrogram(gram)[g - 1];
            var clustered = KernelKMeans.Cluster(gram, g, start);
            Assert.Equal(g, clustered.GroupCount);
            Assert.True(WseCalculator.FromGram(gram, clustered) <= WseCalculator.FromGram(gram, start) + 1e-12 * gram.Trace);
            Assert.Equal(g, KernelKMeans.Cluster(gram, g).GroupCount);
        }
    }

    [Fact]
    public void BalancedKMeansGivesEqualGroups()
    {
        var gram = TestGrams.Clustered(24, 2, clusters: 5);
        foreach (var g in GroupingMode.Equal.AllowedGroupCounts(24))
        {
            var clustered = BalancedKMeans.Cluster(gram, g);
            Assert.Equal(g, clustered.GroupCount);
            Assert.True(clustered.IsEqualCardinality);
        }
        Assert.Throws<ArgumentException>(() => BalancedKMeans.Cluster(gram, 5));
    }

    [Fact]
    public void EqualModeSeedsAreAllEqualCardinalityAndIncludeGqa()
    {
        var gram = TestGrams.Random(12, 1);
        var seeds = HeuristicSeeds.For(gram, GroupingMode.Equal);
        Assert.All(seeds, s => Assert.True(s.IsEqualCardinality));
        foreach (var g in new[] { 1, 2, 3, 4, 6, 12 }) Assert.Contains(LayerGrouping.Gqa(12, g), seeds);
    }
}

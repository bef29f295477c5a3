using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;
using Xunit;

namespace Qcqa.Core.Tests.Search;

/// <summary>What every front promises, whatever the search did: shape, exact WSE, and never worse than a seed.</summary>
public sealed class SearchGuaranteeTests
{
    public static TheoryData<GroupingMode, int> Cases() => new()
    {
        { GroupingMode.Arbitrary, 24 },
        { GroupingMode.Equal, 24 },
        { GroupingMode.Arbitrary, 15 },
        { GroupingMode.Equal, 15 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryPointIsNeverWorseThanGqaNorAnyHeuristicSeedAtItsG(GroupingMode mode, int heads)
    {
        foreach (var gram in new[] { TestGrams.Random(heads, 5), TestGrams.Clustered(heads, 5, clusters: 5) })
        {
            // Few generations and no local search: the guarantee must hold by construction, not by search strength.
            var front = LayerSearch.Run(gram, new SearchSettings { Mode = mode, Generations = 2, Population = 8, LocalSearch = false, Threads = 1 });
            foreach (var seed in HeuristicSeeds.For(gram, mode).Where(s => mode.Allows(heads, s.GroupCount)))
                Assert.True(front[seed.GroupCount].Wse <= WseCalculator.FromGram(gram, seed), $"G = {seed.GroupCount}");
            foreach (var g in GroupingMode.Equal.AllowedGroupCounts(heads))
                Assert.True(front[g].Wse <= WseCalculator.FromGram(gram, LayerGrouping.Gqa(heads, g)));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheFrontHasOnePointPerAllowedGWithExactWseAndValidGroupings(GroupingMode mode, int heads)
    {
        var gram = TestGrams.Clustered(heads, 9, clusters: 4);
        var front = LayerSearch.Run(gram, new SearchSettings { Mode = mode, Generations = 5, Threads = 1 });
        Assert.Equal(mode.AllowedGroupCounts(heads), front.GroupCounts);
        Assert.Equal(gram.Trace, front.Energy);
        foreach (var point in front.Points)
        {
            Assert.Equal(WseCalculator.FromGram(gram, point.Grouping), point.Wse);
            Assert.True(point.SeedWse >= point.Wse);
            if (mode == GroupingMode.Equal) Assert.True(point.Grouping.IsEqualCardinality);
        }
        Assert.True(front[heads].Grouping.IsIdentity);
        Assert.Equal(0.0, front[heads].Wse);
    }

    [Fact]
    public void ALayerOfOneHeadHasOnlyTheIdentity()
    {
        var front = LayerSearch.Run(TestGrams.Random(1, 1), new SearchSettings { Threads = 1 });
        Assert.Equal([1], front.GroupCounts);
        Assert.Equal(0.0, front[1].Wse);
    }

    [Fact]
    public void AnAllZeroLayerHasZeroWseEverywhere()
    {
        var front = LayerSearch.Run(new GramMatrix(6, new double[36]), new SearchSettings { Generations = 3, Threads = 1 });
        Assert.All(front.Points, p => Assert.Equal(0.0, p.Wse));
    }

    [Fact]
    public void OutOfRangeSettingsAreRejected()
    {
        var gram = TestGrams.Random(4, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerSearch.Run(gram, new SearchSettings { Population = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerSearch.Run(gram, new SearchSettings { Threads = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerSearch.Run(gram, new SearchSettings { CrossoverRate = double.NaN }));
    }
}

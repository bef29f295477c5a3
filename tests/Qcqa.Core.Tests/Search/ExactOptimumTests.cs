using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;
using Xunit;
using Xunit.Abstractions;

namespace Qcqa.Core.Tests.Search;

/// <summary>
/// The search must reach proven optima. A point matches when its WSE is within 1e-9 of the optimum, relative to
/// the optimum, plus 1e-12 of the layer's trace (for optima that are zero up to rounding). Instance s uses seed s
/// both for the synthetic layer and for the search.
/// </summary>
public sealed class ExactOptimumTests(ITestOutputHelper output)
{
    private const int Seeds = 20;

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    public void GivenUpToEightHeadsArbitrarySearchReachesTheOptimumAtEveryGForEverySeed(int heads)
        => Assert.Equal(2 * Seeds, CountOptimal(heads, GroupingMode.Arbitrary));

    [Fact]
    public void GivenTwelveHeadsArbitrarySearchReachesTheOptimumAtEveryGForAtLeastNinetyPercentOfSeeds()
        => Assert.True(CountOptimal(12, GroupingMode.Arbitrary, bothKinds: false) >= 0.9 * Seeds);

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    public void GivenUpToEightHeadsEqualSearchReachesTheOptimumAtEveryDivisorForEverySeed(int heads)
        => Assert.Equal(2 * Seeds, CountOptimal(heads, GroupingMode.Equal));

    [Fact]
    public void GivenTwelveHeadsEqualSearchReachesTheOptimumAtEveryDivisorForAtLeastNinetyPercentOfSeeds()
        => Assert.True(CountOptimal(12, GroupingMode.Equal, bothKinds: false) >= 0.9 * Seeds);

    [Theory]
    [InlineData(16, 10)]
    [InlineData(20, 4)]
    public void GivenGroupsOfTwoEqualSearchMatchesTheMinimumWeightPerfectMatchingForEverySeed(int heads, int seeds)
    {
        var optimal = 0;
        for (var seed = 0; seed < seeds; seed++)
        {
            foreach (var gram in new[] { TestGrams.Random(heads, seed), TestGrams.Clustered(heads, seed) })
            {
                var front = LayerSearch.Run(gram, Settings(GroupingMode.Equal, seed));
                var best = ExactOptimum.BestPairing(gram);
                if (Matches(front[heads / 2].Wse, best, gram)) optimal++;
                else output.WriteLine($"H={heads} seed={seed}: found {front[heads / 2].Wse:R}, optimum {best:R}");
            }
        }
        Assert.Equal(2 * seeds, optimal);
    }

    // Instance per seed: a random and a clustered layer, or (bothKinds false, to save time) one of them, alternating.
    private int CountOptimal(int heads, GroupingMode mode, bool bothKinds = true)
    {
        var optimal = 0;
        var instances = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var grams = bothKinds
                ? new[] { TestGrams.Random(heads, seed), TestGrams.Clustered(heads, seed) }
                : new[] { seed % 2 == 0 ? TestGrams.Random(heads, seed) : TestGrams.Clustered(heads, seed) };
            foreach (var gram in grams)
            {
                instances++;
                var reference = mode == GroupingMode.Arbitrary ? ExactOptimum.Arbitrary(gram) : ExactOptimum.Equal(gram);
                var front = LayerSearch.Run(gram, Settings(mode, seed));
                var allMatch = true;
                foreach (var point in front.Points)
                {
                    if (Matches(point.Wse, reference[point.GroupCount], gram)) continue;
                    allMatch = false;
                    output.WriteLine($"H={heads} {mode} seed={seed} G={point.GroupCount}: found {point.Wse:R}, optimum {reference[point.GroupCount]:R}");
                }
                if (allMatch) optimal++;
            }
        }
        output.WriteLine($"{optimal} of {instances} instances optimal at every G");
        return optimal;
    }

    private static SearchSettings Settings(GroupingMode mode, int seed) => new() { Mode = mode, Seed = seed, Threads = 1 };

    private static bool Matches(double found, double optimum, GramMatrix gram)
        => found <= optimum + 1e-9 * optimum + 1e-12 * gram.Trace;
}

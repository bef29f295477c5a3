using Qcqa.Core.Allocation;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Xunit;

namespace Qcqa.Core.Tests.Allocation;

public sealed class KvAllocatorTests
{
    public static TheoryData<string, KvBudget> Budgets()
    {
        var data = new TheoryData<string, KvBudget>();
        foreach (var b in new[] { 0.17, 0.25, 0.3, 0.5, 0.75, 0.9, 1.0 }) data.Add($"global {b}", KvBudget.Global(b));
        foreach (var b in new[] { 0.2, 0.25, 0.34, 0.5, 0.75, 1.0 }) data.Add($"every layer {b}", KvBudget.EveryLayer(b));
        data.Add("explicit caps", new KvBudget
        {
            GlobalFraction = 1.0, // every layer needs a budget: 1.0 bounds nothing, it only covers layer 2
            Layers = [LayerBudget.OfFraction(new LayerRange(0, 1), 0.5), LayerBudget.OfKvHeads(LayerRange.Single(3), 2)],
        });
        data.Add("overlapping caps, tighter wins", new KvBudget
        {
            Layers = [LayerBudget.OfFraction(new LayerRange(0, 3), 0.7), LayerBudget.OfKvHeads(LayerRange.Single(1), 1)],
        });
        data.Add("pins under a global budget", new KvBudget { GlobalFraction = 0.5, KeepMha = [new LayerReference(2)] });
        data.Add("pins override the uniform fraction", new KvBudget { PerLayerFraction = 0.34, Layers = [LayerBudget.Mha(new LayerRange(0, 1))] });
        data.Add("everything combined", new KvBudget
        {
            GlobalFraction = 0.5,
            PerLayerFraction = 0.75,
            Layers = [LayerBudget.OfKvHeads(LayerRange.Single(3), 1)],
            KeepMha = [new LayerReference(0)],
        });
        return data;
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void TheDynamicProgrammeMatchesBruteForceForEveryBudgetForm(string name, KvBudget budget)
    {
        foreach (var mode in new[] { GroupingMode.Arbitrary, GroupingMode.Equal })
            for (var seed = 0; seed < 5; seed++)
            {
                var fronts = TestFronts.Random(4, 6, mode, seed);
                var expected = BruteForceAllocation.Best(fronts, budget);
                var result = KvAllocator.Allocate(fronts, budget);
                Assert.True(Math.Abs(expected - result.WseTotal!.Value) <= 1e-12, $"{name}, {mode}, seed {seed}: brute force {expected}, DP {result.WseTotal}");
                AssertHonours(fronts, budget, result);
            }
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void ThePapersSecondStageMatchesBruteForceOverItsBinaryChoice(string name, KvBudget budget)
    {
        foreach (var mode in new[] { GroupingMode.Arbitrary, GroupingMode.Equal })
            for (var seed = 0; seed < 5; seed++)
            {
                var fronts = TestFronts.Random(4, 6, mode, seed);
                var fixedG = mode == GroupingMode.Equal ? 2 : 3;
                var expected = BruteForceAllocation.Best(fronts, budget, (_, g) => g == fixedG);
                if (double.IsPositiveInfinity(expected))
                {
                    Assert.Throws<QcqaException>(() => MhaOrGroupedAllocator.Allocate(fronts, fixedG, budget));
                    continue;
                }
                var result = MhaOrGroupedAllocator.Allocate(fronts, fixedG, budget);
                Assert.True(Math.Abs(expected - result.WseTotal!.Value) <= 1e-12, $"{name}, {mode}, seed {seed}");
                Assert.All(result.Layers, e => Assert.Contains(e.Grouping.GroupCount, new[] { fixedG, 6 }));
                AssertHonours(fronts, budget, result);
            }
    }

    [Fact]
    public void PinnedLayersStayMhaAndTheRestShareTheBudget()
    {
        var fronts = TestFronts.Random(4, 6, GroupingMode.Arbitrary, 11);
        var result = KvAllocator.Allocate(fronts, new KvBudget { GlobalFraction = 0.75, Layers = [LayerBudget.Mha(new LayerRange(1, 2))] });
        Assert.True(result.Layers[1].Grouping.IsIdentity);
        Assert.True(result.Layers[2].Grouping.IsIdentity);
        Assert.Equal(0.0, result.Layers[1].Wse);
        Assert.True(result.KvHeadsTotal <= 18);
    }

    [Fact]
    public void TheOutputCarriesModeWseAndWseRelativeToTheGramTrace()
    {
        // WSE falling with G: each layer then keeps exactly its share.
        var fronts = Enumerable.Range(1, 3)
            .Select(l => TestFronts.Front(6, GroupingMode.Equal, GroupingMode.Equal.AllowedGroupCounts(6), g => l * (6.0 / g - 1)))
            .ToArray();
        var result = KvAllocator.Allocate(fronts, KvBudget.EveryLayer(0.5));
        Assert.Equal(GroupingMode.Equal, result.Mode);
        Assert.All(result.Layers, e =>
        {
            Assert.Equal(3, e.Grouping.GroupCount);
            Assert.Equal(fronts[e.Index][3].Wse, e.Wse);
            Assert.Equal(e.Wse / TestFronts.Energy, e.WseRelative);
        });
        Assert.Equal(GroupingMode.Arbitrary, KvAllocator.Allocate(TestFronts.Random(2, 4, GroupingMode.Arbitrary, 1), KvBudget.Global(0.5)).Mode);
    }

    [Theory]
    [InlineData(0.375, 8)] // round(12) = 12: divisors 8 and 16 are equally near, the smaller is taken
    [InlineData(0.3, 8)] // round(9.6) = 10: 8 is nearer than 16
    [InlineData(0.45, 16)] // round(14.4) = 14: 16 is nearer
    [InlineData(0.078125, 2)] // 2.5 rounds down to 2
    public void EqualModeSnapsEachLayersShareToTheNearestDivisorTakingTheSmallerOnATie(double fraction, int expected)
    {
        var front = TestFronts.Front(32, GroupingMode.Equal, GroupingMode.Equal.AllowedGroupCounts(32), g => 32.0 / g - 1);
        var result = KvAllocator.Allocate([front], KvBudget.EveryLayer(fraction));
        Assert.Equal(expected, result.Layers[0].Grouping.GroupCount);
    }

    [Fact]
    public void StayingMhaIsAnOptionEvenWhenTheFrontLacksIt()
    {
        var front = TestFronts.Front(6, GroupingMode.Arbitrary, [2, 3], g => 1.0);
        var result = KvAllocator.Allocate([front], KvBudget.Global(1.0));
        Assert.True(result.Layers[0].Grouping.IsIdentity);
    }

    private static void AssertHonours(IReadOnlyList<LayerFront> fronts, KvBudget budget, ModelGrouping result)
    {
        var caps = BruteForceAllocation.Caps(fronts, budget);
        for (var l = 0; l < fronts.Count; l++)
        {
            var g = result.Layers[l].Grouping.GroupCount;
            Assert.True(g <= caps[l], $"layer {l} keeps {g}, cap {caps[l]}");
            if (BruteForceAllocation.Pinned(budget, l)) Assert.True(result.Layers[l].Grouping.IsIdentity);
            if (fronts[l].Mode == GroupingMode.Equal) Assert.True(result.Layers[l].Grouping.IsEqualCardinality);
        }
        if (budget.GlobalFraction is { } b) Assert.True(result.KvHeadsTotal <= Math.Floor(b * fronts.Sum(f => f.HeadCount) + 1e-9));
    }
}

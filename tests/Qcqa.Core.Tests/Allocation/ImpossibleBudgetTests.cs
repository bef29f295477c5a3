using Qcqa.Core.Allocation;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Xunit;

namespace Qcqa.Core.Tests.Allocation;

/// <summary>Budgets a user can get wrong fail with QCQA030 and a message that says why, with the numbers.</summary>
public sealed class ImpossibleBudgetTests
{
    private static readonly LayerFront[] Fronts = TestFronts.Random(4, 6, GroupingMode.Arbitrary, 1);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void AGlobalFractionOutsideZeroToOneIsRejected(double fraction)
    {
        var message = Fails(KvBudget.Global(fraction));
        Assert.Contains("(0, 1]", message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void APerLayerFractionOutsideZeroToOneIsRejected(double fraction)
    {
        Assert.Contains("(0, 1]", Fails(KvBudget.EveryLayer(fraction)));
        Assert.Contains("(0, 1]", Fails(new KvBudget { GlobalFraction = 1.0, Layers = [LayerBudget.OfFraction(LayerRange.Single(0), fraction)] }));
    }

    [Fact]
    public void PinsThatUseMoreThanTheGlobalBudgetAreRejectedWithTheNumbers()
    {
        var message = Fails(new KvBudget { GlobalFraction = 0.5, Layers = [LayerBudget.Mha(new LayerRange(0, 2))] });
        Assert.Contains("floor(0.5 × 24) = 12", message);
        Assert.Contains("at least 19", message);
        Assert.Contains("pinned to MHA keep 18", message);
    }

    [Fact]
    public void AGlobalBudgetBelowOneHeadPerLayerIsRejected()
    {
        var message = Fails(KvBudget.Global(0.1));
        Assert.Contains("= 2", message);
        Assert.Contains("at least 4", message);
    }

    [Fact]
    public void EqualModeWithNoGSmallEnoughIsRejected()
    {
        // A front that offers only G = 3 and G = 6 (as an EC search restricted to those would).
        var front = TestFronts.Front(6, GroupingMode.Equal, [3, 6], g => 6.0 / g);
        var message = Fails(KvBudget.Global(2.0 / 12), [front, front]);
        Assert.Contains("floor(0.166667 × 12) = 2", message);
        Assert.Contains("at least 6", message);
    }

    [Fact]
    public void AnExplicitKvHeadCountTheModeCannotMakeIsRejectedWithTheAllowedCounts()
    {
        // Fractions snap to the nearest allowed G; an explicit count is the user's own choice and must be allowed,
        // exactly as the spec's budget check says (so both reject the same budgets).
        var front = TestFronts.Front(6, GroupingMode.Equal, [3, 6], g => 6.0 / g);
        var error = Assert.Throws<QcqaException>(() => KvAllocator.Allocate([front], new KvBudget { Layers = [LayerBudget.OfKvHeads(LayerRange.Single(0), 1)] }));
        Assert.Equal(ErrorCodes.ImpossibleBudget, error.Code);
        Assert.Contains("G in {3, 6}", error.Message);
    }

    [Fact]
    public void AFractionThatRoundsToNoHeadsIsRejected()
    {
        var message = Fails(KvBudget.EveryLayer(0.05));
        Assert.Contains("round(0.05 × 6) = 0", message);
    }

    [Fact]
    public void ACountOrRangeOutsideTheModelIsRejected()
    {
        // GlobalFraction 1.0 bounds nothing; it gives the layers no rule names a budget, so each case has one problem.
        Assert.Contains("1..6", Fails(new KvBudget { GlobalFraction = 1.0, Layers = [LayerBudget.OfKvHeads(LayerRange.Single(1), 7)] }));
        Assert.Contains("layers 0-3", Fails(new KvBudget { GlobalFraction = 1.0, Layers = [LayerBudget.OfKvHeads(new LayerRange(2, 5), 2)] }));
        Assert.Contains("layers 0-3", Fails(new KvBudget { GlobalFraction = 1.0, KeepMha = [new LayerReference(4)] }));
        Assert.Contains("either a fraction or a number", Fails(new KvBudget { GlobalFraction = 1.0, Layers = [new LayerBudget(LayerRange.Single(0), default)] }));
    }

    [Fact]
    public void APinThatContradictsACapIsRejected()
    {
        var message = Fails(new KvBudget { GlobalFraction = 1.0, KeepMha = [new LayerReference(1)], Layers = [LayerBudget.OfKvHeads(LayerRange.Single(1), 2)] });
        Assert.Contains("Layer 1 is pinned to MHA (6 KV heads)", message);
    }

    [Fact]
    public void ThePapersStageRejectsAGNotInTheFront()
    {
        var fronts = TestFronts.Random(2, 6, GroupingMode.Equal, 3);
        var e = Assert.Throws<QcqaException>(() => MhaOrGroupedAllocator.Allocate(fronts, 4, KvBudget.Global(0.5)));
        Assert.Equal(ErrorCodes.ImpossibleBudget, e.Code);
        Assert.Contains("no grouping with 4 KV heads", e.Message);
    }

    private static string Fails(KvBudget budget, LayerFront[]? fronts = null)
    {
        var e = Assert.Throws<QcqaException>(() => KvAllocator.Allocate(fronts ?? Fronts, budget));
        Assert.Equal(ErrorCodes.ImpossibleBudget, e.Code);
        return e.Message;
    }
}

using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;
using Xunit;

namespace Qcqa.Core.Tests.Search;

/// <summary>The incremental sums must agree with a from-scratch WSE after any sequence of operations.</summary>
public sealed class PartitionStateTests
{
    private static readonly GramMatrix Gram = TestGrams.Random(10, 3);

    [Fact]
    public void MoveDeltaPredictsTheChangeAndTheStateStaysExact()
    {
        var state = Loaded([0, 0, 1, 1, 1, 2, 2, 3, 3, 3]);
        var rng = new Random(1);
        for (var step = 0; step < 300; step++)
        {
            var head = rng.Next(10);
            var target = rng.Next(state.GroupCount + 1); // GroupCount means "a new group"
            var before = state.Wse;
            var delta = state.MoveDelta(head, target);
            state.Move(head, target);
            AssertClose(before + delta, state.Wse);
            AssertMatchesScratch(state);
        }
    }

    [Fact]
    public void SwapDeltaPredictsTheChangeAndKeepsGroupSizes()
    {
        var state = Loaded([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
        var rng = new Random(2);
        for (var step = 0; step < 300; step++)
        {
            int i = rng.Next(10), j = rng.Next(10);
            var before = state.Wse;
            var delta = state.SwapDelta(i, j);
            state.Swap(i, j);
            AssertClose(before + delta, state.Wse);
            AssertMatchesScratch(state);
            Assert.All(Enumerable.Range(0, state.GroupCount), g => Assert.Equal(2, state.SizeOf(g)));
        }
    }

    [Fact]
    public void SwappingASingletonKeepsItAGroupOfOne()
    {
        var state = Loaded([0, 1, 1, 2, 2, 2, 3, 3, 3, 3]);
        state.Swap(0, 9);
        Assert.Equal(4, state.GroupCount);
        AssertMatchesScratch(state);
    }

    [Fact]
    public void MergeDeltaIsWardsCostAndMergingIsExact()
    {
        var state = Loaded([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        while (state.GroupCount > 1)
        {
            var before = state.Wse;
            var delta = state.MergeDelta(0, state.GroupCount - 1);
            Assert.True(delta >= -1e-9);
            state.Merge(0, state.GroupCount - 1);
            AssertClose(before + delta, state.Wse);
            AssertMatchesScratch(state);
        }
    }

    private static PartitionState Loaded(int[] labels)
    {
        var state = new PartitionState(Gram);
        state.Load(labels);
        return state;
    }

    private static void AssertMatchesScratch(PartitionState state)
    {
        var labels = new int[state.H];
        state.CopyCanonicalLabels(labels);
        AssertClose(WseCalculator.FromGram(Gram, LayerGrouping.FromLabels(labels)), state.Wse);
        var grouping = LayerGrouping.FromLabels(labels);
        Assert.Equal(grouping.GroupCount, state.GroupCount);
    }

    private static void AssertClose(double expected, double actual)
        => Assert.True(Math.Abs(expected - actual) <= 1e-9 * Gram.Trace, $"expected {expected:R}, got {actual:R}");
}

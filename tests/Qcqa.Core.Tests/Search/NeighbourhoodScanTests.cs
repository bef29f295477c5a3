using Qcqa.Core.Search;
using Qcqa.Core.Statistics;
using Xunit;

namespace Qcqa.Core.Tests.Search;

/// <summary>
/// The vectorised scans of local search must choose exactly the step, with exactly the delta, that a scalar scan
/// of MoveDelta and SwapDelta chooses: the search's results depend on it bit for bit.
/// </summary>
public sealed class NeighbourhoodScanTests
{
    public static TheoryData<int, int> Sizes => new() { { 2, 1 }, { 5, 2 }, { 12, 3 }, { 16, 4 }, { 31, 5 }, { 32, 6 }, { 33, 7 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheBestMoveIsTheFirstStrictlySmallestMoveDeltaInHeadThenSlotOrder(int heads, int seed)
    {
        foreach (var state in RandomStates(TestGrams.Random(heads, seed), seed))
        {
            foreach (var bound in new[] { 0.0, -1e-3, double.PositiveInfinity })
            {
                var expected = ScalarBestMove(state, bound);
                var found = bound;
                state.FindBestMove(ref found, out var head, out var target);
                Assert.Equal(expected, (found, head, target));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheBestSwapIsTheFirstStrictlySmallestSwapDeltaInPairOrder(int heads, int seed)
    {
        foreach (var state in RandomStates(TestGrams.Clustered(heads, seed), seed))
        {
            foreach (var bound in new[] { 0.0, -1e-3, double.PositiveInfinity })
            {
                var expected = ScalarBestSwap(state, bound);
                var found = bound;
                state.FindBestSwap(ref found, out var first, out var second);
                Assert.Equal(expected, (found, first, second));
            }
        }
    }

    [Fact]
    public void TheScansAssumeNoSymmetry()
    {
        // A fitness matrix other than a Gram matrix may reach the search; the scans must agree on any matrix.
        var rng = new Random(9);
        const int heads = 13;
        var values = new double[heads * heads];
        for (var e = 0; e < values.Length; e++) values[e] = rng.NextDouble() * 4 - 1;
        foreach (var state in RandomStates(new GramMatrix(heads, values), 9))
        {
            var expectedMove = ScalarBestMove(state, 0.0);
            var move = 0.0;
            state.FindBestMove(ref move, out var head, out var target);
            Assert.Equal(expectedMove, (move, head, target));
            var expectedSwap = ScalarBestSwap(state, 0.0);
            var swap = 0.0;
            state.FindBestSwap(ref swap, out var first, out var second);
            Assert.Equal(expectedSwap, (swap, first, second));
        }
    }

    [Fact]
    public void RecomputedCrossSumsAddRowEntriesInAscendingOrderOnAnyMatrix()
    {
        var rng = new Random(5);
        const int heads = 11;
        var values = new double[heads * heads];
        for (var e = 0; e < values.Length; e++) values[e] = Math.Exp(rng.NextDouble() * 20 - 10) * (rng.Next(2) * 2 - 1);
        var state = new PartitionState(new GramMatrix(heads, values));
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 3];
        state.Load(labels);
        for (var i = 0; i < heads; i++)
            for (var g = 0; g < state.GroupCount; g++)
            {
                var sum = 0.0;
                for (var j = 0; j < heads; j++)
                    if (state.LabelOf(j) == g) sum += values[i * heads + j];
                Assert.Equal(sum, state.Cross(i, g));
            }
    }

    [Fact]
    public void ANaNDeltaIsNeverChosen()
    {
        var values = TestGrams.Random(9, 4).Values.ToArray();
        values[2 * 9 + 2] = double.NaN; // head 2's energy
        var state = new PartitionState(new GramMatrix(9, values));
        state.Load([0, 0, 1, 1, 2, 2, 0, 1, 2]);
        var move = double.PositiveInfinity;
        state.FindBestMove(ref move, out var head, out _);
        Assert.NotEqual(2, head);
        Assert.False(double.IsNaN(move));
        var swap = double.PositiveInfinity;
        state.FindBestSwap(ref swap, out var first, out var second);
        Assert.True(first != 2 && second != 2);
        Assert.False(double.IsNaN(swap));
    }

    // States reached by loading random labels and then moving heads, so the sums carry incremental rounding as in
    // a real search.
    private static IEnumerable<PartitionState> RandomStates(GramMatrix gram, int seed)
    {
        var rng = new Random(seed);
        var h = gram.Size;
        for (var trial = 0; trial < 20; trial++)
        {
            var state = new PartitionState(gram);
            var groups = 1 + rng.Next(h);
            state.Load(Enumerable.Range(0, h).Select(_ => rng.Next(groups)).ToArray());
            for (var step = 0; step < trial; step++) state.Move(rng.Next(h), rng.Next(state.GroupCount));
            yield return state;
        }
    }

    private static (double, int, int) ScalarBestMove(PartitionState state, double bound)
    {
        int head = -1, target = -1;
        for (var h = 0; h < state.H; h++)
        {
            var source = state.LabelOf(h);
            if (state.SizeOf(source) < 2) continue;
            for (var t = 0; t < state.GroupCount; t++)
            {
                if (t == source) continue;
                var delta = state.MoveDelta(h, t);
                if (delta < bound) (bound, head, target) = (delta, h, t);
            }
        }
        return (bound, head, target);
    }

    private static (double, int, int) ScalarBestSwap(PartitionState state, double bound)
    {
        int first = -1, second = -1;
        for (var i = 0; i < state.H; i++)
            for (var j = i + 1; j < state.H; j++)
            {
                if (state.LabelOf(i) == state.LabelOf(j)) continue;
                var delta = state.SwapDelta(i, j);
                if (delta < bound) (bound, first, second) = (delta, i, j);
            }
        return (bound, first, second);
    }
}

using Qcqa.Core.Grouping;
using Qcqa.Torch.Alignment;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>The aligned merge of one layer against the definition of attention, in float64.</summary>
public sealed class LayerAlignmentTests
{
    private const int D = 8, Hidden = 24;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GivenHeadsThatDifferByAbsorbableMapsTheAlignedMergeReproducesTheLayerExactly(bool biases)
    {
        int[][] groups = [[0, 2, 3], [1, 4]];
        using var layer = AlignedLayers.Planted(groups, D, Hidden, seed: 7, biases);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);
        var grouping = LayerGrouping.FromGroups(5, groups);

        using var merged = alignment.Merge(grouping);
        var x = randn(12, Hidden, ScalarType.Float64, generator: manual_seed(3));
        var original = ReferenceAttention.Forward(layer.Query, layer.Key, layer.Value, layer.Output, layer.QueryToUnit, D, x);
        var map = Enumerable.Range(0, 5).Select(grouping.GroupOf).ToArray();
        var after = ReferenceAttention.Forward(merged.Query, merged.Key, merged.Value, merged.Output, map, D, x);

        var relative = ((after - original).norm() / original.norm()).item<double>();
        Assert.True(relative <= 1e-9, $"relative change {relative:E3}");
        Assert.Equal(0.0, alignment.GroupingError(grouping), 9);
        Assert.Equal([2 * D, Hidden + 1], merged.Key.shape);
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(4, true)]
    [InlineData(6, false)]
    public void GivenPartialRotaryHeadsThatDifferByAbsorbableMapsTheAlignedMergeReproducesTheLayerExactly(int rotary, bool biases)
    {
        // GPT-NeoX-style: RoPE on the first r dimensions; the keys' other d − r dimensions differ by a general map.
        int[][] groups = [[0, 2, 3], [1, 4]];
        using var layer = AlignedLayers.Planted(groups, D, Hidden, seed: 13, biases, rotary);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);
        var grouping = LayerGrouping.FromGroups(5, groups);

        using var merged = alignment.Merge(grouping);
        var x = randn(12, Hidden, ScalarType.Float64, generator: manual_seed(3));
        var original = ReferenceAttention.Forward(layer.Query, layer.Key, layer.Value, layer.Output, layer.QueryToUnit, D, x, rotary: rotary);
        var map = Enumerable.Range(0, 5).Select(grouping.GroupOf).ToArray();
        var after = ReferenceAttention.Forward(merged.Query, merged.Key, merged.Value, merged.Output, map, D, x, rotary: rotary);
        // The merge that ignores the partial rotary (pairs over the whole head) is not exact on such a layer.
        using var wholeHead = AttentionMatrices.FromTensors(layer.Query.clone(), layer.Key.clone(), layer.Value.clone(), layer.Output.clone(),
            layer.QueryToUnit, D, biases, biases, biases);
        using var wholeMetric = AlignmentMetric.Create(wholeHead, null);
        using var wholeAlignment = new LayerAlignment(wholeHead, wholeMetric);
        using var wrong = wholeAlignment.Merge(grouping);
        var wrongAfter = ReferenceAttention.Forward(wrong.Query, wrong.Key, wrong.Value, wrong.Output, map, D, x, rotary: rotary);

        var relative = ((after - original).norm() / original.norm()).item<double>();
        Assert.True(relative <= 1e-9, $"relative change {relative:E3}");
        Assert.Equal(0.0, alignment.GroupingError(grouping), 9);
        Assert.True(((wrongAfter - original).norm() / original.norm()).item<double>() > 1e-3);
    }

    [Fact]
    public void GivenPartialRotaryAndIdenticalHeadsItEqualsMeanPooling()
    {
        using var random = AlignedLayers.Random(3, D, Hidden, seed: 11, rotary: 4);
        var key = cat(new[] { random.Key.narrow(0, 0, D), random.Key.narrow(0, 0, D), random.Key.narrow(0, 0, D) }, 0);
        var value = cat(new[] { random.Value.narrow(0, 0, D), random.Value.narrow(0, 0, D), random.Value.narrow(0, 0, D) }, 0);
        using var layer = AttentionMatrices.FromTensors(random.Query.clone(), key, value, random.Output.clone(), [0, 1, 2], D, rotaryDimensions: 4);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);

        using var merged = alignment.Merge(LayerGrouping.FromGroups(3, [[0, 1, 2]]));

        AssertClose(layer.Key.narrow(0, 0, D), merged.Key, 1e-9);
        AssertClose(layer.Value.narrow(0, 0, D), merged.Value, 1e-9);
        AssertClose(layer.Query, merged.Query, 1e-9);
        AssertClose(layer.Output, merged.Output, 1e-9);
    }

    [Fact]
    public void GivenPartialRotaryPairErrorsEqualTheErrorOfEachPairMergedAlone()
    {
        using var layer = AlignedLayers.Random(5, D, Hidden, seed: 9, rotary: 2);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);

        var pairs = alignment.PairErrors();

        for (var i = 0; i < 5; i++)
            for (var j = i + 1; j < 5; j++)
            {
                var direct = alignment.GroupError([i, j]);
                Assert.True(direct > 0);
                Assert.Equal(direct, pairs[i * 5 + j], direct * 1e-9);
            }
    }

    [Fact]
    public void GivenTheSameHeadsMeanPoolingMovesTheLayerByOrderOne()
    {
        int[][] groups = [[0, 2, 3], [1, 4]];
        using var layer = AlignedLayers.Planted(groups, D, Hidden, seed: 7);
        var grouping = LayerGrouping.FromGroups(5, groups);
        var pooledKey = cat(grouping.Groups.Select(g => stack(g.Select(u => layer.Key.narrow(0, u * D, D)).ToArray()).mean(new long[] { 0 })).ToArray(), 0);
        var pooledValue = cat(grouping.Groups.Select(g => stack(g.Select(u => layer.Value.narrow(0, u * D, D)).ToArray()).mean(new long[] { 0 })).ToArray(), 0);
        var x = randn(12, Hidden, ScalarType.Float64, generator: manual_seed(3));
        var original = ReferenceAttention.Forward(layer.Query, layer.Key, layer.Value, layer.Output, layer.QueryToUnit, D, x);
        var pooled = ReferenceAttention.Forward(layer.Query, pooledKey, pooledValue, layer.Output, Enumerable.Range(0, 5).Select(grouping.GroupOf).ToArray(), D, x);

        Assert.True(((pooled - original).norm() / original.norm()).item<double>() > 0.3);
    }

    [Fact]
    public void GivenIdenticalHeadsAndNoCalibrationItEqualsMeanPooling()
    {
        using var random = AlignedLayers.Random(3, D, Hidden, seed: 11);
        // Units 0, 1 and 2 share unit 0's key and value rows exactly.
        var key = cat(new[] { random.Key.narrow(0, 0, D), random.Key.narrow(0, 0, D), random.Key.narrow(0, 0, D) }, 0);
        var value = cat(new[] { random.Value.narrow(0, 0, D), random.Value.narrow(0, 0, D), random.Value.narrow(0, 0, D) }, 0);
        using var layer = AttentionMatrices.FromTensors(random.Query.clone(), key, value, random.Output.clone(), [0, 1, 2], D);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);

        using var merged = alignment.Merge(LayerGrouping.FromGroups(3, [[0, 1, 2]]));

        AssertClose(layer.Key.narrow(0, 0, D), merged.Key, 1e-9);
        AssertClose(layer.Value.narrow(0, 0, D), merged.Value, 1e-9);
        AssertClose(layer.Query, merged.Query, 1e-9);
        AssertClose(layer.Output, merged.Output, 1e-9);
    }

    [Fact]
    public void GivenTheIdentityGroupingNothingChangesBitForBit()
    {
        using var layer = AlignedLayers.Random(4, D, Hidden, seed: 5);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);

        using var merged = alignment.Merge(LayerGrouping.Identity(4));

        Assert.True(merged.Query.eq(layer.Query).all().item<bool>());
        Assert.True(merged.Key.eq(layer.Key).all().item<bool>());
        Assert.True(merged.Value.eq(layer.Value).all().item<bool>());
        Assert.True(merged.Output.eq(layer.Output).all().item<bool>());
    }

    [Fact]
    public void PairErrorsEqualTheErrorOfEachPairMergedAlone()
    {
        using var layer = AlignedLayers.Random(5, D, Hidden, seed: 9);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);

        var pairs = alignment.PairErrors();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(0.0, pairs[i * 5 + i]);
            for (var j = i + 1; j < 5; j++)
            {
                var direct = alignment.GroupError([i, j]);
                Assert.True(direct > 0);
                Assert.Equal(direct, pairs[i * 5 + j], direct * 1e-9);
                Assert.Equal(pairs[i * 5 + j], pairs[j * 5 + i]);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheMergedWeightsKeepTheHeadsScaleValueMapsOrthonormalOnAverageKeyFactorsOfUnitMeanModulus(bool planted)
    {
        // The maps are a gauge choice (any M_u G⁻¹, G B fits as well); the merge picks the balanced one, so that no direction
        // of the shared head is shrunk while o_proj and q_proj grow to compensate (fine-tuning diverged on such weights).
        int[][] groups = [[0, 2, 3], [1, 4]];
        using var layer = planted ? AlignedLayers.Planted(groups, D, Hidden, seed: 5) : AlignedLayers.Random(5, D, Hidden, seed: 5);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);

        using var merged = alignment.Merge(LayerGrouping.FromGroups(5, groups));

        foreach (var group in groups)
        {
            // o'_h = o_h M_h, so M_h = o_h⁺ o'_h (o_h has full column rank).
            var second = zeros(D, D, ScalarType.Float64);
            var modulus = zeros(D / 2, ScalarType.Float64);
            foreach (var h in group)
            {
                var map = linalg.lstsq(layer.Output.narrow(1, h * D, D), merged.Output.narrow(1, h * D, D)).Solution;
                second += map.t().matmul(map);
                // q'_r = α q_r + β q_i and q'_i = α q_i − β q_r per rotary pair: |c|² = α² + β² = |q'|² / |q|².
                var before = layer.Query.narrow(0, h * D, D);
                var after = merged.Query.narrow(0, h * D, D);
                var pairBefore = before.narrow(0, 0, D / 2).square().sum(1) + before.narrow(0, D / 2, D / 2).square().sum(1);
                var pairAfter = after.narrow(0, 0, D / 2).square().sum(1) + after.narrow(0, D / 2, D / 2).square().sum(1);
                modulus += pairAfter / pairBefore;
            }
            AssertClose(eye(D, dtype: ScalarType.Float64), second / group.Length, 1e-9);
            AssertClose(ones(D / 2, ScalarType.Float64), modulus / group.Length, 1e-9);
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var difference = (expected - actual).abs().max().item<double>();
        Assert.True(difference <= tolerance, $"max difference {difference:E3}");
    }
}

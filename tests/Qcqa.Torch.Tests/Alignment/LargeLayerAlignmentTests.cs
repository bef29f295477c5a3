using Qcqa.Core.Grouping;
using Qcqa.Torch.Alignment;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>
/// What the aligned stages do differently at large shapes (T with more than <see cref="BlockGram.Float64Rows"/> rows):
/// large groups' eigenvalues and kept Grams in float32, merges that form only their groups' Grams.
/// </summary>
public sealed class LargeLayerAlignmentTests
{
    // 10 units of 112 dimensions: T has 1,120 rows, groups of 10 units take the float32 path, groups of 2 do not.
    private const int Units = 10, D = 112, Hidden = 256;

    [Fact]
    public void ALargeGroupsFloat32ErrorAgreesWithTheFloat64Eigenvalues()
    {
        using var layer = AlignedLayers.Random(Units, D, Hidden, seed: 3);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);
        var all = Enumerable.Range(0, Units).ToArray();

        var error = alignment.Errors.Values.Error(all);

        using var gram = alignment.Errors.Values.Group(all).to_type(TorchSharp.torch.ScalarType.Float64);
        var eigenvalues = TorchSharp.torch.linalg.eigvalsh(gram);
        var exact = gram.trace().item<double>() - eigenvalues.narrow(0, (Units - 1) * D, D).sum().item<double>();
        Assert.True(Units * D > BlockGram.Float64Rows);
        Assert.Equal(exact, error, exact * 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ALargeLayersFloat32GramGivesTheFloat64ErrorsOfItsGroups(bool calibrated)
    {
        using var layer = AlignedLayers.Random(Units, D, Hidden, seed: 8);
        var calibration = calibrated ? AlignedLayers.RandomCalibration(layer, seed: 9) : null;
        using var metric = AlignmentMetric.Create(layer, calibration);
        using var alignment = new LayerAlignment(layer, metric);
        var groups = new[] { new[] { 0, 1 }, [3, 8], [0, 7, 3], [1, 2, 4, 5, 6, 8, 9], Enumerable.Range(0, Units).ToArray() };

        var values = alignment.Errors.Values;
        var pairs = values.PairErrors([(0, 1), (3, 8)]).data<double>().ToArray();

        Assert.Equal(TorchSharp.torch.ScalarType.Float32, BlockGram.Precision(Units, D));
        Assert.Equal((long)Units * (Units + 1) / 2 * D * D * sizeof(float), values.Bytes);
        Assert.Equal(ExactValueError(layer, metric, groups[0]), pairs[0], pairs[0] * 1e-5);
        Assert.Equal(ExactValueError(layer, metric, groups[1]), pairs[1], pairs[1] * 1e-5);
        foreach (var group in groups)
        {
            var exact = ExactValueError(layer, metric, group);
            Assert.Equal(exact, values.Error(group), exact * 1e-5);
        }
    }

    // The value part of a group's error from its definition, all in float64: tr T_S minus the D largest eigenvalues of
    // T_S = Z_S C̃ Z_Sᵀ, with Z_u = R_u V_u the weighted value rows.
    private static double ExactValueError(AttentionMatrices layer, AlignmentMetric metric, int[] group)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var members = TorchSharp.torch.tensor(group.Select(u => (long)u).ToArray());
        var rows = metric.ValueWeight.matmul(layer.Value.view(Units, D, Hidden + 1)).index_select(0, members).reshape(group.Length * D, Hidden + 1);
        var gram = rows.matmul(metric.TimesMoment(rows).t());
        var eigenvalues = TorchSharp.torch.linalg.eigvalsh((gram + gram.t()) * 0.5);
        return gram.trace().item<double>() - eigenvalues.narrow(0, (group.Length - 1) * D, D).sum().item<double>();
    }

    [Fact]
    public void GivenALargeCalibratedLayerWhoseHeadsDifferByAbsorbableMapsTheFloat32ProductsStillReproduceItsAttention()
    {
        int[][] groups = [[0, 3, 5, 6, 9], [1, 2, 4, 7, 8]];
        using var layer = AlignedLayers.Planted(groups, D, Hidden, seed: 21);
        using var metric = AlignmentMetric.Create(layer, AlignedLayers.RandomCalibration(layer, seed: 22));
        using var alignment = new LayerAlignment(layer, metric);
        var grouping = LayerGrouping.FromGroups(Units, groups);

        using var merged = alignment.Merge(grouping);
        var x = TorchSharp.torch.randn(12, Hidden, TorchSharp.torch.ScalarType.Float64, generator: TorchSharp.torch.manual_seed(3));
        var original = ReferenceAttention.Forward(layer.Query, layer.Key, layer.Value, layer.Output, layer.QueryToUnit, D, x);
        var after = ReferenceAttention.Forward(merged.Query, merged.Key, merged.Value, merged.Output, Enumerable.Range(0, Units).Select(grouping.GroupOf).ToArray(), D, x);

        Assert.Equal(TorchSharp.torch.ScalarType.Float32, metric.ProductPrecision);
        var relative = ((after - original).norm() / original.norm()).item<double>();
        Assert.True(relative <= 1e-5, $"relative change {relative:E3}");
        Assert.True(alignment.GroupingError(grouping) <= 1e-5 * alignment.UnitEnergies().Sum());
    }

    [Theory]
    [InlineData(Units, D, 1e-5)]  // float32, large groups
    [InlineData(6, 8, 1e-10)]     // float64
    public void AFrontsGroupingsScoredTogetherGetEachGroupingsOwnError(int units, int d, double tolerance)
    {
        using var layer = AlignedLayers.Random(units, d, Hidden, seed: 12);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alone = new LayerAlignment(layer, metric);
        using var together = new LayerAlignment(layer, metric);
        var front = new[]
        {
            LayerGrouping.Mqa(units),
            LayerGrouping.FromGroups(units, [Enumerable.Range(0, units - 2), [units - 2, units - 1]]),
            LayerGrouping.Gqa(units, units / 2),
            LayerGrouping.FromGroups(units, [[0, 3], Enumerable.Range(1, 2), Enumerable.Range(4, units - 4)]),
        };

        var errors = together.Errors.GroupingErrors(front);

        Assert.Equal(front.Length, errors.Length);
        for (var g = 0; g < front.Length; g++)
        {
            var expected = alone.GroupingError(front[g]);
            Assert.Equal(expected, errors[g], expected * tolerance);
        }
    }

    [Fact]
    public void AMergeAloneNeverFormsTheLayersPairGram()
    {
        using var layer = AlignedLayers.Random(Units, D, Hidden, seed: 5);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);

        using var merged = alignment.Merge(LayerGrouping.Gqa(Units, 5));

        Assert.False(alignment.OwnsErrors);
        Assert.Equal(5 * D, merged.Key.shape[0]);
    }
}

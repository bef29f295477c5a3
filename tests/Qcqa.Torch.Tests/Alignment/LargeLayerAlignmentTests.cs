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

        using var gram = alignment.Errors.Values.Group(all);
        var eigenvalues = TorchSharp.torch.linalg.eigvalsh(gram);
        var exact = gram.trace().item<double>() - eigenvalues.narrow(0, (Units - 1) * D, D).sum().item<double>();
        Assert.True(Units * D > BlockGram.Float64Rows);
        Assert.Equal(exact, error, exact * 1e-5);
    }

    [Fact]
    public void KeptGramsOfALargeLayerGiveTheSameErrorsWithinFloat32Precision()
    {
        using var layer = AlignedLayers.Random(Units, D, Hidden, seed: 8);
        using var metric = AlignmentMetric.Create(layer, null);
        using var fresh = new LayerAlignment(layer, metric);
        var groupings = new[]
        {
            LayerGrouping.Gqa(Units, 5),
            LayerGrouping.FromGroups(Units, [[0, 7, 3], [1, 2, 4, 5, 6, 8, 9]]),
            LayerGrouping.Mqa(Units),
        };
        var expected = groupings.Select(fresh.GroupingError).ToArray();

        using var kept = fresh.TakeErrors();
        kept.Compact();
        Assert.True(kept.Values.Bytes < Units * (Units + 1) / 2 * D * D * sizeof(double));
        for (var g = 0; g < groupings.Length; g++)
            Assert.Equal(expected[g], kept.GroupingError(groupings[g]), expected[g] * 1e-5);
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

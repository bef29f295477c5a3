using Qcqa.Core.Grouping;
using Qcqa.Core.Reporting;
using Qcqa.Core.Search;
using Qcqa.Core.Wse;
using Qcqa.Torch.Alignment;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>The search's aligned fitness against the exact (brute-force) aligned-merge error of small layers.</summary>
public sealed class AlignedFitnessTests
{
    private const int D = 8, Hidden = 24;

    [Fact]
    public void GivenPairsTheFitnessIsTheExactMergeError()
    {
        using var layer = AlignedLayers.Random(6, D, Hidden, seed: 21);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);
        var gram = AlignedFitness.PairGram(alignment);

        var grouping = LayerGrouping.FromGroups(6, [[0, 3], [1, 5], [2, 4]]);

        var exact = alignment.GroupingError(grouping);
        Assert.Equal(exact, WseCalculator.FromGram(gram, grouping), exact * 1e-9);
    }

    [Fact]
    public void GivenLargerGroupsTheFitnessRanksGroupingsLikeTheExactError()
    {
        using var layer = AlignedLayers.Planted([[0, 1, 2], [3, 4], [5], [6, 7]], D, Hidden, seed: 4);
        // Blur the plant so that errors differ: add noise of 30 % to every value and key row.
        using var noisy = AttentionMatrices.FromTensors(layer.Query.clone(),
            layer.Key + TorchSharp.torch.randn_like(layer.Key) * 0.3 * layer.Key.std(),
            layer.Value + TorchSharp.torch.randn_like(layer.Value) * 0.3 * layer.Value.std(),
            layer.Output.clone(), layer.QueryToUnit, D);
        using var metric = AlignmentMetric.Create(noisy, null);
        using var alignment = new LayerAlignment(noisy, metric);
        var gram = AlignedFitness.PairGram(alignment);

        var random = new Random(5);
        var groupings = Enumerable.Range(0, 40)
            .Select(_ => LayerGrouping.FromLabels(Enumerable.Range(0, 8).Select(_ => random.Next(3)).ToArray()))
            .ToList();
        var fitness = groupings.Select(g => WseCalculator.FromGram(gram, g)).ToArray();
        var exact = groupings.Select(alignment.GroupingError).ToArray();

        Assert.True(RankCorrelation.Spearman(fitness, exact) >= 0.9, $"Spearman {RankCorrelation.Spearman(fitness, exact):0.000}");
    }

    [Fact]
    public void TheSearchOnTheAlignedFitnessFindsThePlantedGroupsThatPlainWseCannotSee()
    {
        int[][] planted = [[0, 4, 6], [1, 3], [2, 5, 7]];
        using var layer = AlignedLayers.Planted(planted, D, Hidden, seed: 12);
        using var metric = AlignmentMetric.Create(layer, null);
        using var alignment = new LayerAlignment(layer, metric);
        var settings = new SearchSettings { Mode = GroupingMode.Arbitrary, Population = 32, Generations = 20, Seed = 1, Threads = 1 };

        var front = LayerSearch.Run(AlignedFitness.PairGram(alignment), settings);

        var found = front[3].Grouping;
        Assert.Equal(LayerGrouping.FromGroups(8, planted), found);
        Assert.True(alignment.GroupingError(found) < 1e-9 * alignment.UnitEnergies().Sum());
    }
}

using Qcqa.Core.Reporting;

namespace Qcqa.Core.Tests.Reporting;

public class RankCorrelationTests
{
    [Fact]
    public void GivenAMonotoneRelationSpearmanIsOneWhateverTheShape()
    {
        double[] x = [1, 2, 3, 4, 5];
        double[] y = [1, 8, 27, 64, 125];
        Assert.Equal(1.0, RankCorrelation.Spearman(x, y), 12);
        Assert.Equal(-1.0, RankCorrelation.Spearman(x, y.Select(v => -v).ToArray()), 12);
    }

    [Fact]
    public void GivenTiesItUsesAverageRanks()
    {
        // Ranks of y are [1.5, 1.5, 3, 4]; Pearson of [1,2,3,4] with those is 0.9486832980505138.
        double[] x = [1, 2, 3, 4];
        double[] y = [5, 5, 6, 7];
        Assert.Equal(0.9486832980505138, RankCorrelation.Spearman(x, y), 12);
    }

    [Fact]
    public void GivenTooFewPairsItIsNaN()
    {
        Assert.True(double.IsNaN(RankCorrelation.Spearman([1.0, 2.0], [2.0, 1.0])));
    }
}

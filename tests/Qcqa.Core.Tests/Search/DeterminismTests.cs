using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;
using Xunit;

namespace Qcqa.Core.Tests.Search;

public sealed class DeterminismTests
{
    private static readonly GramMatrix[] Model = Enumerable.Range(0, 6)
        .Select(l => l % 2 == 0 ? TestGrams.Clustered(16, l, clusters: 4) : TestGrams.Random(16, l))
        .ToArray();

    [Theory]
    [InlineData(GroupingMode.Arbitrary)]
    [InlineData(GroupingMode.Equal)]
    public void TheSameSeedGivesIdenticalFrontsOnOneThreadAndOnFour(GroupingMode mode)
    {
        var settings = new SearchSettings { Mode = mode, Seed = 42, Generations = 10 };
        var one = ModelSearch.Run(Model, settings with { Threads = 1 });
        var four = ModelSearch.Run(Model, settings with { Threads = 4 });
        AssertIdentical(one, four);
        AssertIdentical(one, ModelSearch.Run(Model, settings with { Threads = 1 }));
    }

    [Fact]
    public void ALayerSearchedAloneEqualsTheSameLayerInsideAModel()
    {
        var settings = new SearchSettings { Seed = 3, Generations = 10, Threads = 2 };
        var model = ModelSearch.Run(Model, settings);
        var alone = LayerSearch.Run(Model[4], settings, layerIndex: 4);
        AssertIdentical([model[4]], [alone]);
    }

    [Fact]
    public void ProgressCountsEveryLayerOnce()
    {
        var reports = new List<SearchProgress>();
        var progress = new SynchronousProgress(reports);
        ModelSearch.Run(Model, new SearchSettings { Generations = 1, Threads = 2 }, progress);
        Assert.Equal(Model.Length, reports.Count);
        Assert.Equal(Enumerable.Range(1, Model.Length), reports.Select(r => r.LayersDone).Order());
        Assert.All(reports, r => Assert.Equal(Model.Length, r.LayerCount));
    }

    [Fact]
    public void ACancelledSearchStops()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ModelSearch.Run(Model, new SearchSettings(), cancellation: cancelled.Token));
    }

    private static void AssertIdentical(IReadOnlyList<LayerFront> expected, IReadOnlyList<LayerFront> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var l = 0; l < expected.Count; l++)
        {
            Assert.Equal(expected[l].GroupCounts, actual[l].GroupCounts);
            for (var p = 0; p < expected[l].Points.Count; p++)
            {
                Assert.Equal(expected[l].Points[p].Grouping, actual[l].Points[p].Grouping);
                Assert.Equal(expected[l].Points[p].Wse, actual[l].Points[p].Wse);
            }
        }
    }

    // Progress<T> posts to the thread pool; the test needs every report before Run returns.
    private sealed class SynchronousProgress(List<SearchProgress> into) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value)
        {
            lock (into) into.Add(value);
        }
    }
}

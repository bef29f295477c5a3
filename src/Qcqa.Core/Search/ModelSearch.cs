using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>Stage 1 for a whole model: every layer searched independently, in parallel.</summary>
public static class ModelSearch
{
    /// <summary>Searches every layer.</summary>
    /// <param name="grams">One Gram matrix per layer, in layer order.</param>
    /// <param name="settings">Search settings; <see cref="SearchSettings.Threads"/> layers run at once.</param>
    /// <param name="progress">
    /// Told after each finished layer how many are done. Called from worker threads; with several threads two
    /// reports may arrive out of order, so keep the largest <see cref="SearchProgress.LayersDone"/> seen.
    /// </param>
    /// <param name="cancellation">Stops the search between generations.</param>
    /// <returns>One front per layer, in layer order; identical for a given seed whatever the thread count.</returns>
    public static IReadOnlyList<LayerFront> Run(
        IReadOnlyList<GramMatrix> grams,
        SearchSettings settings,
        IProgress<SearchProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(grams);
        Preconditions.CheckNotNull(settings).Validate();
        var fronts = new LayerFront[grams.Count];
        var done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.Threads, CancellationToken = cancellation };
        Parallel.For(0, grams.Count, options, layer =>
        {
            fronts[layer] = LayerSearch.Run(grams[layer], settings, layer, cancellation);
            progress?.Report(new SearchProgress(Interlocked.Increment(ref done), grams.Count));
        });
        return fronts;
    }
}

using System.Diagnostics;
using System.Text;
using Qcqa.Core.Cache;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;
using Qcqa.Core.Statistics;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// Stage 1 for the build: fronts per (mode, search settings) of one model, from the cache when the layers' K/V
/// content and the settings are unchanged. Fronts do not depend on the budget, so variants differing only in
/// budget share one search.
/// </summary>
internal sealed class SearchStage(ContentCache cache, ILogger log, int threads, IProgress<BuildProgressEvent>? progress = null)
{
    private readonly Dictionary<string, (IReadOnlyList<LayerFront>? Fronts, string Subject)> _memo = new(StringComparer.Ordinal);

    /// <param name="modelName">The model, for log lines.</param>
    /// <param name="subject">The variant as progress names it (<c>model/variant</c>).</param>
    /// <param name="grams">The layers' Gram matrices.</param>
    /// <param name="layerHashes">The layers' K/V content hashes (the cache key).</param>
    /// <param name="variant">The variant; its mode and search settings decide the search.</param>
    /// <param name="cancellation">Stops the search.</param>
    internal IReadOnlyList<LayerFront>? Fronts(string modelName, string subject, GramMatrix[] grams, string[] layerHashes, VariantSpec variant, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        if (variant.Mode == VariantMode.Mqa)
        {
            progress?.Report(BuildProgressEvent.Finished(BuildStages.Search, subject, "mqa, nothing to search", clock.Elapsed));
            return null;
        }
        var settings = new SearchSettings
        {
            Population = variant.Search.Population,
            Generations = variant.Search.Generations,
            Seed = variant.Search.Seed,
            Threads = threads,
        };
        var builder = new CacheKeyBuilder("front").Add(CodeIdentity.Version).Add(variant.Mode.ToSpecString()).AddAll(layerHashes);
        if (variant.IsSearched) builder.Add(settings.Population).Add(settings.Generations).Add(settings.Seed);
        var key = builder.Build();
        var mode = variant.Mode.ToSpecString();
        if (_memo.TryGetValue(key.Hash, out var known))
        {
            progress?.Report(BuildProgressEvent.Finished(BuildStages.Search, subject, $"{mode}, the search of {known.Subject} serves it", clock.Elapsed));
            return known.Fronts;
        }

        IReadOnlyList<LayerFront> fronts;
        if (cache.TryGet(key, out var payload))
        {
            fronts = FrontsFile.Parse(Encoding.UTF8.GetString(payload));
            log.Debug("Search {Model} {Mode}: front hit", modelName, mode);
            progress?.Report(BuildProgressEvent.Finished(BuildStages.Search, subject, $"{mode}, {grams.Length} layers from cache", clock.Elapsed));
        }
        else
        {
            log.Debug("Search {Model} {Mode}: front miss, searching {Layers} layers", modelName, mode, grams.Length);
            progress?.Report(BuildProgressEvent.Started(BuildStages.Search, subject, $"{mode}, {grams.Length} layers"));
            var layersDone = new SearchProgressLog(log, modelName, grams.Length, progress, subject, clock);
            fronts = GroupingPlanner.BuildFronts(grams, variant.Mode, settings, layersDone, cancellation)!;
            cache.Put(key, Encoding.UTF8.GetBytes(FrontsFile.ToJson(fronts, indented: false)));
            progress?.Report(BuildProgressEvent.Finished(BuildStages.Search, subject, $"{mode}, {grams.Length} layers searched", clock.Elapsed));
        }
        _memo[key.Hash] = (fronts, subject);
        return fronts;
    }
}

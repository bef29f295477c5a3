using Qcqa.Core.Grouping;
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
internal sealed class SearchStage(ContentCache cache, ILogger log, int threads)
{
    private readonly Dictionary<string, IReadOnlyList<LayerFront>?> _memo = new(StringComparer.Ordinal);

    internal IReadOnlyList<LayerFront>? Fronts(string modelName, GramMatrix[] grams, string[] layerHashes, VariantSpec variant, CancellationToken cancellation)
    {
        if (variant.Mode == GroupingMode.Mqa) return null;
        var settings = new SearchSettings
        {
            Population = variant.Search.Population,
            Generations = variant.Search.Generations,
            Seed = variant.Search.Seed,
            Threads = threads,
        };
        var builder = new CacheKeyBuilder("front").Add(CodeIdentity.Version).Add(variant.Mode.ToName()).AddAll(layerHashes);
        if (variant.IsSearched) builder.Add(settings.Population).Add(settings.Generations).Add(settings.Seed);
        var key = builder.Build();
        if (_memo.TryGetValue(key.Hash, out var known)) return known;

        IReadOnlyList<LayerFront> fronts;
        if (cache.TryGet(key, out var payload))
        {
            fronts = FrontsFile.Parse(Encoding.UTF8.GetString(payload));
            log.Information("Search {Model} {Mode}: front hit", modelName, variant.Mode.ToName());
        }
        else
        {
            log.Information("Search {Model} {Mode}: front miss, searching {Layers} layers", modelName, variant.Mode.ToName(), grams.Length);
            fronts = GroupingPlanner.BuildFronts(grams, variant.Mode, settings, new SearchProgressLog(log, modelName, grams.Length), cancellation)!;
            cache.Put(key, Encoding.UTF8.GetBytes(FrontsFile.ToJson(fronts, indented: false)));
        }
        _memo[key.Hash] = fronts;
        return fronts;
    }
}

using System.Text;
using Qcqa.Core.Cache;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Serilog;

namespace Qcqa.Core.Search;

/// <summary>
/// Stage 1: the per-layer fronts of one mode (every allowed G with its best grouping). With a content cache, fronts
/// come from it while the layers' K/V content and the settings are unchanged (<see cref="CacheKeys.Fronts"/>), and
/// are memoised for the stage's lifetime; fronts do not depend on the budget, so variants differing only in budget
/// share one search.
/// </summary>
/// <param name="cache">The build's content cache, or null to search every time (the <c>search</c> command).</param>
/// <param name="log">Receives hits, misses and the search's progress.</param>
public sealed class SearchStage(ContentCache? cache, ILogger log)
{
    private readonly Dictionary<string, IReadOnlyList<LayerFront>> _memo = new(StringComparer.Ordinal);

    /// <summary>The fronts of <see cref="SearchInput.Mode"/>; null for MQA, which has nothing to choose.</summary>
    /// <param name="input">Statistics, mode and settings.</param>
    /// <param name="cancellation">Stops the search between generations.</param>
    public IReadOnlyList<LayerFront>? Run(SearchInput input, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(input);
        if (input.Mode == GroupingMode.Mqa) return null;
        var (statistics, mode) = (input.Statistics, input.Mode.ToName());
        if (cache is null)
        {
            log.Information("Search {Model} {Mode}: searching {Layers} layers", statistics.Label, mode, statistics.LayerCount);
            return Build(input, cancellation);
        }

        var key = CacheKeys.Fronts(input.Mode, statistics.LayerContents.ToArray(), input.Settings);
        if (_memo.TryGetValue(key.Hash, out var known)) return known;
        IReadOnlyList<LayerFront> fronts;
        if (cache.TryGet(key, out var payload))
        {
            fronts = FrontsFile.Parse(Encoding.UTF8.GetString(payload));
            log.Information("Search {Model} {Mode}: front hit", statistics.Label, mode);
        }
        else
        {
            log.Information("Search {Model} {Mode}: front miss, searching {Layers} layers", statistics.Label, mode, statistics.LayerCount);
            fronts = Build(input, cancellation);
            cache.Put(key, Encoding.UTF8.GetBytes(FrontsFile.ToJson(fronts, indented: false)));
        }
        return _memo[key.Hash] = fronts;
    }

    private IReadOnlyList<LayerFront> Build(SearchInput input, CancellationToken cancellation)
    {
        var grams = input.Statistics.Grams;
        if (input.Mode == GroupingMode.Gqa) return GqaFronts.Build(grams);
        var progress = new SearchProgressLog(log, input.Statistics.Label, grams.Count);
        return ModelSearch.Run(grams, input.Settings with { Mode = input.Mode }, progress, cancellation);
    }
}

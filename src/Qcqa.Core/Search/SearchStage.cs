using System.Text;
using Qcqa.Core.Cache;
using Qcqa.Core.Grouping;
using Qcqa.Core.Progress;
using Serilog;

namespace Qcqa.Core.Search;

/// <summary>
/// Stage 1: the per-layer fronts of one mode (every allowed G with its best grouping). With a content cache, fronts
/// come from it while the layers' K/V content and the settings are unchanged (<see cref="CacheKeys.Fronts"/>), and
/// are memoised for the stage's lifetime; fronts do not depend on the budget, so variants differing only in budget
/// share one search.
/// </summary>
/// <param name="cache">The build's content cache, or null to search every time (the <c>search</c> command).</param>
/// <param name="log">Receives hits, misses and, without <paramref name="progress"/>, the search's progress.</param>
/// <param name="progress">Told, per variant, when its search starts, how many layers are done and how it ended (default: nothing is reported).</param>
public sealed class SearchStage(ContentCache? cache, ILogger log, BuildProgress? progress = null)
{
    private readonly BuildProgress _progress = progress ?? BuildProgress.None;
    private readonly Dictionary<string, (IReadOnlyList<LayerFront> Fronts, string Label)> _memo = new(StringComparer.Ordinal);

    /// <summary>The fronts of <see cref="SearchInput.Mode"/>; null for MQA, which has nothing to choose.</summary>
    /// <param name="input">Statistics, mode and settings.</param>
    /// <param name="cancellation">Stops the search between generations.</param>
    public IReadOnlyList<LayerFront>? Run(SearchInput input, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(input);
        var (statistics, mode) = (input.Statistics, input.Mode.ToName());
        var label = input.Label ?? statistics.Label;
        var step = _progress.Stage(BuildStages.Search, label);
        if (input.Mode == GroupingMode.Mqa)
        {
            step.Finished("mqa, nothing to search");
            return null;
        }
        if (cache is null)
        {
            log.Information("Search {Model} {Mode}: searching {Layers} layers", statistics.Label, mode, statistics.LayerCount);
            return Build(input, step, cancellation);
        }

        var key = KeyOf(input);
        if (_memo.TryGetValue(key.Hash, out var known))
        {
            step.Finished($"{mode}, the search of {known.Label} serves it");
            return known.Fronts;
        }
        IReadOnlyList<LayerFront> fronts;
        if (cache.TryGet(key, out var payload))
        {
            fronts = FrontsFile.Parse(Encoding.UTF8.GetString(payload));
            log.Debug("Search {Model} {Mode}: front hit", statistics.Label, mode);
            step.Finished($"{mode}, {statistics.LayerCount} layers from cache");
        }
        else
        {
            log.Debug("Search {Model} {Mode}: front miss, searching {Layers} layers", statistics.Label, mode, statistics.LayerCount);
            fronts = Build(input, step, cancellation);
            cache.Put(key, Encoding.UTF8.GetBytes(FrontsFile.ToJson(fronts, indented: false)));
        }
        _memo[key.Hash] = (fronts, label);
        return fronts;
    }

    /// <summary>The key the fronts of <paramref name="input"/> are cached under (later stages key their own results on it).</summary>
    public static CacheKey KeyOf(SearchInput input) => input.Fitness is { } fitness
        ? CacheKeys.Fronts(input.Mode, fitness.Statistics.LayerContents.ToArray(), input.Settings, fitness.Statistics.Identity)
        : CacheKeys.Fronts(input.Mode, input.Statistics.LayerContents.ToArray(), input.Settings);

    private IReadOnlyList<LayerFront> Build(SearchInput input, StageProgress step, CancellationToken cancellation)
    {
        var grams = input.Fitness?.Statistics.Grams ?? input.Statistics.Grams;
        var mode = input.Mode.ToName();
        IReadOnlyList<LayerFront> fronts;
        string outcome;
        if (input.Mode == GroupingMode.Gqa)
        {
            fronts = GqaFronts.Build(grams);
            outcome = $"{mode}, {grams.Count} layers of neighbouring heads";
        }
        else
        {
            step.Started($"{mode}, {grams.Count} layers");
            var layersDone = new SearchProgressLog(log, input.Statistics.Label, grams.Count, step.IsReported ? step : null);
            fronts = ModelSearch.Run(grams, input.Settings with { Mode = input.Mode }, layersDone, cancellation);
            outcome = $"{mode}, {grams.Count} layers searched";
        }
        if (input.Fitness is { } fitness)
        {
            // The search ranked groupings by the pairwise form; what the front reports (and stage 2 may use) is the exact
            // error. At 7B this is minutes of group fits, so it is part of the stage's time and shows its progress. A
            // layer's points are scored together, so that their groups can be solved side by side.
            var rescored = new LayerFront[fronts.Count];
            for (var layer = 0; layer < fronts.Count; layer++)
            {
                cancellation.ThrowIfCancellationRequested();
                var front = fronts[layer];
                var merged = front.Points.Where(p => !p.Grouping.IsIdentity).Select(p => p.Grouping).ToArray();
                var errors = fitness.ExactErrors(layer, merged);
                var next = 0;
                rescored[layer] = new LayerFront(front.HeadCount, front.Mode, front.Energy,
                    front.Points.Select(p => p.Grouping.IsIdentity ? p with { Wse = 0 } : new FrontPoint(p.Grouping, errors[next++])).ToArray());
                step.Advanced($"exact aligned error of the fronts: {layer + 1}/{fronts.Count} layers");
            }
            fronts = rescored;
            outcome += ", fronts scored by the exact aligned error";
        }
        step.Finished(outcome);
        return fronts;
    }
}

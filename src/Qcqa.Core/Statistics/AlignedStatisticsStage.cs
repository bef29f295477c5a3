using Qcqa.Core.Alignment;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Progress;
using Serilog;

namespace Qcqa.Core.Statistics;

/// <summary>
/// The aligned fitness of every layer (<see cref="IAlignedModel.FitnessGram"/>), content-cached per layer by the layer's
/// attention content, the calibration and the engine's code (<see cref="CacheKeys.AlignedGram"/>).
/// </summary>
/// <param name="cache">The build's content cache, or null to compute every matrix (the <c>search</c> command).</param>
/// <param name="log">Receives one line per model with its hits and misses.</param>
/// <param name="progress">Told when a model's fitness matrices start and finish (default: nothing is reported).</param>
public sealed class AlignedStatisticsStage(ContentCache? cache, ILogger log, BuildProgress? progress = null)
{
    private readonly BuildProgress _progress = progress ?? BuildProgress.None;

    /// <summary>The fitness matrices of <paramref name="checkpoint"/>'s layers.</summary>
    /// <param name="checkpoint">The open input model.</param>
    /// <param name="statistics">Its plain statistics (their K/V content hashes are part of each layer's attention content).</param>
    /// <param name="aligned">Its aligned merge.</param>
    /// <param name="calibrationIdentity">The calibration's identity, or empty without calibration.</param>
    /// <param name="engineVersion">The alignment engine's code version.</param>
    /// <param name="label">The model's name, for logs.</param>
    public AlignedStatistics Run(Checkpoint checkpoint, ModelStatistics statistics, IAlignedModel aligned, string calibrationIdentity, string engineVersion, string label)
    {
        Preconditions.CheckNotNull(checkpoint);
        Preconditions.CheckNotNull(statistics);
        Preconditions.CheckNotNull(aligned);
        var grams = new GramMatrix[checkpoint.LayerCount];
        var contents = new string[checkpoint.LayerCount];
        var hits = 0;
        var step = _progress.Stage(BuildStages.AlignedFitness, label);
        step.Started($"{checkpoint.LayerCount} layers");
        for (var layer = 0; layer < checkpoint.LayerCount; layer++)
        {
            contents[layer] = CacheKeys.AttentionContent(checkpoint, layer, statistics.LayerContents[layer]);
            if (cache is null)
            {
                grams[layer] = aligned.FitnessGram(layer);
                continue;
            }
            var computed = false;
            var l = layer;
            grams[layer] = cache.GetOrAdd(CacheKeys.AlignedGram(contents[layer], calibrationIdentity, engineVersion), GramMatrixSerializer.Instance, () =>
            {
                computed = true;
                return aligned.FitnessGram(l);
            });
            if (!computed) hits++;
        }
        var count = checkpoint.LayerCount;
        if (cache is null) log.Information("Aligned fitness of {Model}: {Layers} layers computed", label, count);
        else log.Debug("Aligned fitness of {Model}: {Hits} hit, {Misses} computed", label, hits, count - hits);
        step.Finished($"{count} layers, {count - hits} computed, {hits} from cache");
        return new AlignedStatistics(grams, contents, $"aligned;{calibrationIdentity};{engineVersion}");
    }
}

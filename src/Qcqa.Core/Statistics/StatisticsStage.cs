using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Progress;
using Serilog;

namespace Qcqa.Core.Statistics;

/// <summary>
/// The statistics stage: each layer's Gram matrix, served from the content cache (when there is one) while the
/// layer's K/V bytes are unchanged (<see cref="CacheKeys.Gram"/>). Each layer's K/V bytes are read once, by
/// <see cref="LayerKvReader"/> (overlapped with the work on the layers already read), and serve both the content hash
/// and, on a miss, the Gram matrix.
/// </summary>
/// <param name="cache">The build's content cache, or null to compute every matrix (the <c>search</c> and <c>wse</c> commands).</param>
/// <param name="log">Receives one line per model with its hits and misses.</param>
/// <param name="threads">Layers worked on at once (default: the processor count); the result does not depend on it.</param>
/// <param name="progress">Told when a model's statistics start and finish (default: nothing is reported).</param>
public sealed class StatisticsStage(ContentCache? cache, ILogger log, int? threads = null, BuildProgress? progress = null)
{
    private readonly int _threads = Preconditions.CheckRange(threads ?? Environment.ProcessorCount, 1, 1024, nameof(threads));
    private readonly BuildProgress _progress = progress ?? BuildProgress.None;

    /// <summary>The Gram matrix and K/V content hash of every layer of <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">The open input model.</param>
    /// <param name="label">The model's name for logs and progress; the folder's name when null.</param>
    /// <param name="cancellation">Stops between layers.</param>
    /// <param name="timings">Receives where the time went (reading, computing; may be null).</param>
    /// <exception cref="Diagnostics.QcqaException">A weight file ended early (it was truncated after opening).</exception>
    public ModelStatistics Run(Checkpoint checkpoint, string? label = null, CancellationToken cancellation = default, LayerKvTimings? timings = null)
    {
        Preconditions.CheckNotNull(checkpoint);
        label ??= Path.GetFileName(checkpoint.Folder);
        var step = _progress.Stage(BuildStages.Statistics, label);
        step.Started($"{checkpoint.LayerCount} layers");
        var hits = 0;
        var layers = LayerKvReader.Compute(checkpoint, _threads, kv =>
        {
            var content = CacheKeys.LayerContent(kv);
            if (cache is null) return (Gram: CheckpointGram.Compute(kv), Content: content);
            var computed = false;
            var gram = cache.GetOrAdd(CacheKeys.Gram(content), GramMatrixSerializer.Instance, () =>
            {
                computed = true;
                return CheckpointGram.Compute(kv);
            });
            if (!computed) Interlocked.Increment(ref hits);
            return (Gram: gram, Content: content);
        }, cancellation, timings);

        var count = checkpoint.LayerCount;
        if (cache is null) log.Information("Statistics of {Model}: Gram matrices of {Layers} layers", label, count);
        else log.Debug("Statistics of {Model}: {Hits} gram hit, {Misses} gram miss", label, hits, count - hits);
        step.Finished(cache is null ? $"{count} layers computed" : $"{count} layers, {count - hits} computed, {hits} from cache");
        return new ModelStatistics(label, layers.Select(l => l.Gram).ToArray(), layers.Select(l => l.Content).ToArray());
    }
}

using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Serilog;

namespace Qcqa.Core.Statistics;

/// <summary>
/// The statistics stage: each layer's Gram matrix, served from the content cache (when there is one) while the
/// layer's K/V bytes are unchanged (<see cref="CacheKeys.Gram"/>).
/// </summary>
/// <param name="cache">The build's content cache, or null to compute every matrix (the <c>search</c> and <c>wse</c> commands).</param>
/// <param name="log">Receives one line per model with its hits and misses.</param>
public sealed class StatisticsStage(ContentCache? cache, ILogger log)
{
    /// <summary>The Gram matrix and K/V content hash of every layer of <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">The open input model.</param>
    /// <param name="label">The model's name for logs; the folder's name when null.</param>
    public ModelStatistics Run(Checkpoint checkpoint, string? label = null)
    {
        Preconditions.CheckNotNull(checkpoint);
        label ??= Path.GetFileName(checkpoint.Folder);
        var grams = new GramMatrix[checkpoint.LayerCount];
        var contents = new string[checkpoint.LayerCount];
        var hits = 0;
        for (var layer = 0; layer < checkpoint.LayerCount; layer++)
        {
            contents[layer] = CacheKeys.LayerContent(checkpoint, layer);
            if (cache is null)
            {
                grams[layer] = CheckpointGram.Compute(checkpoint, layer);
                continue;
            }
            var computed = false;
            grams[layer] = cache.GetOrAdd(CacheKeys.Gram(contents[layer]), GramMatrixSerializer.Instance, () =>
            {
                computed = true;
                return CheckpointGram.Compute(checkpoint, layer);
            });
            if (!computed) hits++;
        }
        if (cache is null) log.Information("Statistics of {Model}: Gram matrices of {Layers} layers", label, checkpoint.LayerCount);
        else log.Information("Statistics of {Model}: {Hits} gram hit, {Misses} gram miss", label, hits, checkpoint.LayerCount - hits);
        return new ModelStatistics(label, grams, contents);
    }
}

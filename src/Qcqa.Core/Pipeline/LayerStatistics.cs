using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Statistics;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The statistics stage: each layer's Gram matrix, served from the cache when the layer's K/V bytes are unchanged.
/// The key is a content hash of the raw K/V (and bias) bytes, so renaming or re-saving a model with the same weights
/// still hits, and CI can carry the cache between machines.
/// </summary>
public static class LayerStatistics
{
    /// <summary>The Gram matrix and K/V content hash of every layer.</summary>
    public static (GramMatrix[] Grams, string[] LayerHashes) Compute(Checkpoint checkpoint, ContentCache cache, ILogger log)
    {
        var grams = new GramMatrix[checkpoint.LayerCount];
        var hashes = new string[checkpoint.LayerCount];
        var hits = 0;
        for (var layer = 0; layer < checkpoint.LayerCount; layer++)
        {
            hashes[layer] = KvContentHash(checkpoint, layer);
            var key = new CacheKeyBuilder("gram").AddHash(hashes[layer]).Build();
            var computed = false;
            grams[layer] = cache.GetOrAdd(key, GramMatrixSerializer.Instance, () =>
            {
                computed = true;
                return CheckpointGram.Compute(checkpoint, layer);
            });
            if (!computed) hits++;
        }
        log.Information("Statistics of {Model}: {Hits} gram hit, {Misses} gram miss", Path.GetFileName(checkpoint.Folder), hits, checkpoint.LayerCount - hits);
        return (grams, hashes);
    }

    private static string KvContentHash(Checkpoint checkpoint, int layer)
    {
        var attention = checkpoint.Attention(layer);
        var builder = new CacheKeyBuilder("kv");
        foreach (var tensor in new[] { attention.Key, attention.Value, attention.KeyBias, attention.ValueBias })
        {
            if (tensor is null)
            {
                builder.Add("absent");
                continue;
            }
            builder.Add(tensor.Dtype.Name()).Add(string.Join("x", tensor.Shape));
            builder.AddHash(ContentHash.Compute(tensor.File.GetBytes(tensor.Info)));
        }
        return builder.Build().Hash;
    }
}

using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Statistics;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The statistics stage: each layer's Gram matrix, served from the cache when the layer's K/V bytes are unchanged.
/// The key is a content hash of the raw K/V (and bias) bytes, so renaming or re-saving a model with the same weights
/// still hits, and CI can carry the cache between machines. Each layer's bytes are read once (overlapped with the
/// work on earlier layers) and serve both the hash and, on a miss, the Gram matrix.
/// </summary>
public static class LayerStatistics
{
    /// <summary>The Gram matrix and K/V content hash of every layer.</summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="cache">The content cache.</param>
    /// <param name="log">Where the hit/miss summary goes.</param>
    /// <param name="threads">Layers worked on at once; the result does not depend on it.</param>
    /// <param name="cancellation">Stops between layers.</param>
    /// <returns>The Gram matrices and hashes in layer order, and how many Gram matrices came from the cache.</returns>
    public static (GramMatrix[] Grams, string[] LayerHashes, int CacheHits) Compute(Checkpoint checkpoint, ContentCache cache, ILogger log, int threads = 1, CancellationToken cancellation = default)
    {
        var hits = 0;
        var results = LayerKvReader.Compute(checkpoint, threads, kv =>
        {
            var hash = KvContentHash(kv);
            var key = new CacheKeyBuilder("gram").AddHash(hash).Build();
            var computed = false;
            var gram = cache.GetOrAdd(key, GramMatrixSerializer.Instance, () =>
            {
                computed = true;
                return CheckpointGram.Compute(kv);
            });
            if (!computed) Interlocked.Increment(ref hits);
            return (gram, hash);
        }, cancellation);
        log.Debug("Statistics of {Model}: {Hits} gram hit, {Misses} gram miss", Path.GetFileName(checkpoint.Folder), hits, checkpoint.LayerCount - hits);
        return (results.Select(r => r.gram).ToArray(), results.Select(r => r.hash).ToArray(), hits);
    }

    private static string KvContentHash(LayerKv kv)
    {
        var builder = new CacheKeyBuilder("kv");
        var tensors = LayerKv.TensorsOf(kv.Attention);
        ReadOnlySpan<byte> Bytes(int part) => part switch { 0 => kv.Key, 1 => kv.Value, 2 => kv.KeyBias, _ => kv.ValueBias };
        for (var part = 0; part < tensors.Length; part++)
        {
            if (tensors[part] is not { } tensor)
            {
                builder.Add("absent");
                continue;
            }
            builder.Add(tensor.Dtype.Name()).Add(string.Join("x", tensor.Shape));
            builder.AddHash(ContentHash.Compute(Bytes(part)));
        }
        return builder.Build().Hash;
    }
}

namespace Qcqa.Core.Cache;

/// <summary>
/// <see cref="CacheKeys.ModelContent"/> of each model folder, hashed once per build: evaluation, calibration and the
/// fine-tuning stage all key on the input model's content, and hashing a 7B model's 13 GB of weights no stage should
/// repeat.
/// </summary>
/// <remarks>
/// With a cache, the hash is also remembered across builds under the folder's path and signature (every file's name,
/// size and modification time, <see cref="CacheKeys.ModelSignature"/>), as make and MSBuild decide what is current: a
/// no-op build of a 7B then reads none of its weights for this (about 37 s from disk on the development machine). Any
/// change to a file's size or time, or a file added or removed, hashes the folder again. The cached entries themselves
/// stay keyed by content, so a cache carried to another machine is still right there.
/// </remarks>
public sealed class ModelContents
{
    private readonly Dictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly ContentCache? _cache;

    /// <summary>Hashes each folder once per instance (one build).</summary>
    /// <param name="cache">Where hashes are remembered across builds; null hashes every build.</param>
    public ModelContents(ContentCache? cache = null) => _cache = cache;

    /// <summary>The content key of <paramref name="modelFolder"/>, hashed on first use.</summary>
    /// <param name="modelFolder">A model folder.</param>
    public string Of(string modelFolder)
    {
        Preconditions.CheckNotNull(modelFolder);
        var key = Path.GetFullPath(modelFolder);
        lock (_gate)
        {
            if (!_known.TryGetValue(key, out var content))
                _known[key] = content = _cache is null
                    ? CacheKeys.ModelContent(key)
                    : _cache.GetOrAdd(CacheKeys.ModelContentMemo(key), new JsonCacheSerializer<string>(), () => CacheKeys.ModelContent(key));
            return content;
        }
    }
}

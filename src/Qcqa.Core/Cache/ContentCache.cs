using Serilog;

namespace Qcqa.Core.Cache;

/// <summary>
/// A content-addressed store for expensive intermediates (Gram matrices, search fronts, evaluation results),
/// one file per entry under <c>root/kind/xx/hash</c>.
/// </summary>
/// <remarks>
/// <para>Entries are written to a temporary file and renamed into place, so a reader sees either nothing or a
/// whole entry. Two processes computing the same key both write and both succeed: the content is identical by
/// construction, so whichever rename lands last changes nothing.</para>
/// <para>Each entry carries a header with its length and checksums (see <see cref="CacheEntryFormat"/>). An entry
/// that fails the checks, or whose payload does not decode, is logged, deleted and reported as a miss, so the
/// caller recomputes it. The cache is an optimisation: failing to write an entry is logged, never thrown.</para>
/// <para>Thread-safe; instances hold no state besides statistics, so any number may share one folder.</para>
/// </remarks>
public sealed class ContentCache
{
    /// <summary>Folder name used under a project's intermediate folder by default (<c>obj/qcqa-cache</c>).</summary>
    public const string DefaultFolderName = "qcqa-cache";

    private readonly ILogger? _logger;

    /// <summary>Opens (and lazily creates) a cache.</summary>
    /// <param name="root">The cache folder; the caller decides where (a project's <c>obj/qcqa-cache</c> by default).</param>
    /// <param name="logger">Receives hits and misses at debug level and corrupt entries as warnings; optional.</param>
    public ContentCache(string root, ILogger? logger = null)
    {
        Preconditions.CheckNotNull(root);
        Preconditions.CheckArgument(root.Length > 0, "The cache folder must not be empty.");
        Root = Path.GetFullPath(root);
        _logger = logger;
    }

    /// <summary>The cache folder (full path).</summary>
    public string Root { get; }

    /// <summary>What this instance did so far.</summary>
    public CacheStatistics Statistics { get; } = new();

    /// <summary>The file that holds (or would hold) the entry for <paramref name="key"/>.</summary>
    public string GetEntryPath(CacheKey key) => Path.Combine(Root, key.Kind, key.Hash[..2], key.Hash);

    /// <summary>Looks an entry up.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="payload">The payload when found; empty otherwise.</param>
    /// <returns>True on a hit. A corrupt entry is deleted and counts as a miss.</returns>
    public bool TryGet(CacheKey key, out byte[] payload)
    {
        if (TryRead(key, out var memory))
        {
            payload = memory.ToArray();
            Hit(key);
            return true;
        }
        payload = [];
        Miss(key);
        return false;
    }

    /// <summary>Looks an entry up and decodes it.</summary>
    /// <returns>True on a hit. An entry whose payload does not decode is deleted and counts as a miss.</returns>
    public bool TryGet<T>(CacheKey key, ICacheSerializer<T> serializer, out T value)
    {
        Preconditions.CheckNotNull(serializer);
        if (TryRead(key, out var payload))
        {
            try
            {
                value = serializer.Deserialize(payload.Span);
                Hit(key);
                return true;
            }
            catch (InvalidDataException e)
            {
                Discard(key, e.Message);
            }
        }
        value = default!;
        Miss(key);
        return false;
    }

    /// <summary>Stores an entry atomically (best effort: an I/O failure is logged, not thrown).</summary>
    public void Put(CacheKey key, ReadOnlySpan<byte> payload)
    {
        var path = GetEntryPath(key);
        var entry = CacheEntryFormat.Encode(key, payload);
        try
        {
            AtomicFile.Write(path, stream => stream.Write(entry));
            Statistics.Write();
            _logger?.Debug("QCQA cache: stored {Key} ({Bytes} bytes)", key.ToString(), payload.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Diagnostics.QcqaException)
        {
            _logger?.Warning("QCQA cache: could not store {Key} in {Path}: {Reason}", key.ToString(), path, e.Message);
        }
    }

    /// <summary>Encodes and stores a value (see <see cref="Put(CacheKey, ReadOnlySpan{byte})"/>).</summary>
    public void Put<T>(CacheKey key, T value, ICacheSerializer<T> serializer)
        => Put(key, Preconditions.CheckNotNull(serializer).Serialize(value));

    /// <summary>Returns the cached payload, or computes, stores and returns it.</summary>
    /// <remarks>Not a lock: two callers missing at once both compute, and both stores succeed.</remarks>
    public byte[] GetOrAdd(CacheKey key, Func<byte[]> compute)
    {
        Preconditions.CheckNotNull(compute);
        if (TryGet(key, out var payload)) return payload;
        payload = compute();
        Put(key, payload);
        return payload;
    }

    /// <summary>Returns the cached value, or computes, stores and returns it.</summary>
    /// <remarks>Not a lock: two callers missing at once both compute, and both stores succeed.</remarks>
    public T GetOrAdd<T>(CacheKey key, ICacheSerializer<T> serializer, Func<T> compute)
    {
        Preconditions.CheckNotNull(compute);
        if (TryGet(key, serializer, out var value)) return value;
        value = compute();
        Put(key, value, serializer);
        return value;
    }

    private bool TryRead(CacheKey key, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        var path = GetEntryPath(key);
        byte[] entry;
        try
        {
            // FileShare.Delete lets another process rename a fresh entry over this one while we read (Windows).
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            entry = new byte[stream.Length];
            stream.ReadExactly(entry);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger?.Warning("QCQA cache: could not read {Key} from {Path}: {Reason}", key.ToString(), path, e.Message);
            return false;
        }
        if (CacheEntryFormat.TryDecode(key, entry, out payload, out var problem)) return true;
        Discard(key, problem);
        return false;
    }

    private void Discard(CacheKey key, string problem)
    {
        var path = GetEntryPath(key);
        Statistics.Corrupt();
        _logger?.Warning("QCQA cache: entry {Key} is corrupt ({Problem}); deleting {Path} and recomputing", key.ToString(), problem, path);
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger?.Warning("QCQA cache: could not delete corrupt entry {Path}: {Reason}", path, e.Message);
        }
    }

    private void Hit(CacheKey key)
    {
        Statistics.Hit();
        _logger?.Debug("QCQA cache: hit {Key}", key.ToString());
    }

    private void Miss(CacheKey key)
    {
        Statistics.Miss();
        _logger?.Debug("QCQA cache: miss {Key}", key.ToString());
    }
}

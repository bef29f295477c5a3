namespace Qcqa.Core.Cache;

/// <summary>Counts of what a <see cref="ContentCache"/> did since it was created (thread-safe snapshot source).</summary>
public sealed class CacheStatistics
{
    private long _hits;
    private long _misses;
    private long _corrupt;
    private long _writes;

    /// <summary>Lookups that returned a valid entry.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that found no usable entry (absent or corrupt).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Entries found corrupt or undecodable, and deleted.</summary>
    public long CorruptEntries => Interlocked.Read(ref _corrupt);

    /// <summary>Entries written.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    internal void Hit() => Interlocked.Increment(ref _hits);
    internal void Miss() => Interlocked.Increment(ref _misses);
    internal void Corrupt() => Interlocked.Increment(ref _corrupt);
    internal void Write() => Interlocked.Increment(ref _writes);

    /// <inheritdoc />
    public override string ToString() => $"{Hits} hits, {Misses} misses, {CorruptEntries} corrupt, {Writes} writes";
}

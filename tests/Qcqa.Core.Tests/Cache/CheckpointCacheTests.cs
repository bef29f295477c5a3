using Qcqa.Core.Cache;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Cache;

/// <summary>
/// Whole checkpoints in the cache: published atomically with a manifest, hard-linked (or, where linking fails, copied)
/// in and back byte for byte, and every kind of damage (a changed byte, a short file, a missing file or manifest, a
/// manifest of another key, an output edited in place that shares the entry's file) detected, the entry removed and
/// reported as a miss.
/// </summary>
public sealed class CheckpointCacheTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly CollectingSink _log;
    private readonly CheckpointCache _cache;
    private readonly CacheKey _key = CheckpointCache.KeyOf(new string('a', ContentHash.HexLength));

    public CheckpointCacheTests()
    {
        _cache = new CheckpointCache(_folder.Combine("cache"), CollectingSink.CreateLogger(out _log));
        _folder.Write("built/config.json", "{\"qcqa\":{}}");
        File.WriteAllBytes(_folder.Combine("built", "model.safetensors"), Enumerable.Range(0, 3_000_000).Select(i => (byte)(i * 7)).ToArray());
    }

    public void Dispose() => _folder.Dispose();

    private string[] Names => ["config.json", "model.safetensors"];

    private string Restore()
    {
        var target = _folder.Combine($"restored-{Guid.NewGuid():N}");
        Directory.CreateDirectory(target);
        return _cache.TryCopyTo(_key, target) is null ? "" : target;
    }

    [Fact]
    public void APublishedCheckpointIsRestoredByteForByteWithItsModificationTimes()
    {
        Assert.True(_cache.Publish(_key, _folder.Combine("built"), Names));

        var restored = Restore();

        Assert.NotEqual("", restored);
        Assert.Equal(FolderSnapshot.Of(_folder.Combine("built")), FolderSnapshot.Of(restored));
        Assert.Equal(File.GetLastWriteTimeUtc(_folder.Combine("built", "model.safetensors")), File.GetLastWriteTimeUtc(Path.Combine(restored, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(_cache.EntryPath(_key), CheckpointCache.ManifestFileName)));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(_cache.EntryPath(_key))!, "*.tmp-*"));
    }

    [Fact]
    public void OnOneFileSystemPublishAndRestoreHardLinkEveryFileInsteadOfWritingItAgain()
    {
        var built = _folder.Combine("built", "model.safetensors");
        var cached = Path.Combine(_cache.EntryPath(_key), "model.safetensors");
        Assert.True(_cache.Publish(_key, _folder.Combine("built"), Names));
        if (!OperatingSystem.IsLinux()) return; // SameFile reads statx

        var restored = Restore();

        Assert.True(FileIdentity.SameFile(built, cached), "the published file is a copy, not a link");
        Assert.True(FileIdentity.SameFile(cached, Path.Combine(restored, "model.safetensors")), "the restored file is a copy, not a link");
        Assert.Equal(FolderSnapshot.Of(_folder.Combine("built")), FolderSnapshot.Of(restored));
        Assert.Contains(_log.Events.Select(e => e.Text), m => m.Contains("2 hard-linked", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenAnOutputEditedInPlaceThroughASharedLinkTheRestoreDetectsTheDamagedEntryRemovesItAndAFreshPublicationServesAgain()
    {
        Assert.True(_cache.Publish(_key, _folder.Combine("built"), Names));
        var built = _folder.Combine("built", "model.safetensors");
        if (!OperatingSystem.IsLinux()) return; // SameFile reads statx
        Assert.True(FileIdentity.SameFile(built, Path.Combine(_cache.EntryPath(_key), "model.safetensors")));
        var original = File.ReadAllBytes(built);

        // A tool outside the engine edits the output in place (the engine itself only ever writes new files and renames).
        using (var stream = new FileStream(built, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 42;
            stream.WriteByte((byte)(original[42] ^ 0xff));
        }

        Assert.Equal("", Restore());
        Assert.False(Directory.Exists(_cache.EntryPath(_key)));
        Assert.Contains(_log.Events.Select(e => e.Text), m => m.Contains("is corrupt", StringComparison.Ordinal) && m.Contains("does not match its recorded hash", StringComparison.Ordinal));
        Assert.True(File.Exists(built)); // removing the entry removed only its names

        // The caller recomputes (here: the original bytes, written anew as the engine would) and publishes again.
        var rebuilt = _folder.Combine("rebuilt");
        Directory.CreateDirectory(rebuilt);
        File.Copy(_folder.Combine("built", "config.json"), Path.Combine(rebuilt, "config.json"));
        File.WriteAllBytes(Path.Combine(rebuilt, "model.safetensors"), original);
        Assert.True(_cache.Publish(_key, rebuilt, Names));
        var restored = Restore();
        Assert.NotEqual("", restored);
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(restored, "model.safetensors")));
    }

    [Theory]
    [InlineData("every link fails")]
    [InlineData("every other link fails")]
    public void GivenALinkThatFailsTheFileIsCopiedAndRestoresStayByteForByte(string failures)
    {
        var calls = 0;
        var cache = new CheckpointCache(_folder.Combine("cache"), CollectingSink.CreateLogger(out var log), (existing, link) =>
            failures != "every link fails" && Interlocked.Increment(ref calls) % 2 == 0 && HardLink.TryCreate(existing, link));
        var built = _folder.Combine("built", "model.safetensors");

        Assert.True(cache.Publish(_key, _folder.Combine("built"), Names));
        var target = _folder.Combine("restored");
        Directory.CreateDirectory(target);
        Assert.Equal(Names, cache.TryCopyTo(_key, target));

        Assert.Equal(FolderSnapshot.Of(_folder.Combine("built")), FolderSnapshot.Of(target));
        Assert.Equal(File.GetLastWriteTimeUtc(built), File.GetLastWriteTimeUtc(Path.Combine(target, "model.safetensors")));
        if (failures == "every link fails")
        {
            Assert.NotEqual(true, FileIdentity.SameFile(built, Path.Combine(cache.EntryPath(_key), "model.safetensors")));
            Assert.NotEqual(true, FileIdentity.SameFile(Path.Combine(cache.EntryPath(_key), "model.safetensors"), Path.Combine(target, "model.safetensors")));
            Assert.Contains(log.Events.Select(e => e.Text), m => m.Contains("0 hard-linked", StringComparison.Ordinal));
        }
        Assert.DoesNotContain(log.Events.Select(e => e.Text), m => m.Contains("is corrupt", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenNoEntryItIsAMissThatCreatesNothing()
    {
        Assert.Equal("", Restore());
        Assert.False(Directory.Exists(_folder.Combine("cache", CheckpointCache.Kind)));
    }

    [Theory]
    [InlineData("flip a byte")]
    [InlineData("truncate")]
    [InlineData("delete a file")]
    [InlineData("delete the manifest")]
    [InlineData("manifest of another key")]
    public void GivenADamagedEntryItIsAMissAndTheEntryIsRemoved(string damage)
    {
        _cache.Publish(_key, _folder.Combine("built"), Names);
        var entry = _cache.EntryPath(_key);
        var weights = Path.Combine(entry, "model.safetensors");
        var manifest = Path.Combine(entry, CheckpointCache.ManifestFileName);
        switch (damage)
        {
            case "flip a byte":
                using (var stream = new FileStream(weights, FileMode.Open))
                {
                    stream.Position = 1_234_567;
                    var b = stream.ReadByte();
                    stream.Position = 1_234_567;
                    stream.WriteByte((byte)(b ^ 1));
                }
                break;
            case "truncate":
                using (var stream = new FileStream(weights, FileMode.Open)) stream.SetLength(100);
                break;
            case "delete a file":
                File.Delete(weights);
                break;
            case "delete the manifest":
                File.Delete(manifest);
                break;
            default:
                File.WriteAllText(manifest, File.ReadAllText(manifest).Replace(_key.Hash, new string('b', ContentHash.HexLength)));
                break;
        }

        Assert.Equal("", Restore());

        Assert.False(Directory.Exists(entry));
        Assert.Contains(_log.Events.Select(e => e.Text), m => m.Contains("is corrupt", StringComparison.Ordinal));
        // Publishing again repairs it.
        Assert.True(_cache.Publish(_key, _folder.Combine("built"), Names));
        Assert.NotEqual("", Restore());
    }

    [Fact]
    public void GivenAnEntryAlreadyThereAPublicationKeepsIt()
    {
        _cache.Publish(_key, _folder.Combine("built"), Names);
        var manifest = Path.Combine(_cache.EntryPath(_key), CheckpointCache.ManifestFileName);
        var written = File.GetLastWriteTimeUtc(manifest);

        Assert.True(_cache.Publish(_key, _folder.Combine("built"), Names));

        Assert.Equal(written, File.GetLastWriteTimeUtc(manifest));
    }

    [Fact]
    public void ManyPublishersAndReadersOfOneKeyAtOnceAllSeeAWholeEntryOrNone()
    {
        var failures = 0;
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            // Separate instances, as separate builds would have.
            var cache = new CheckpointCache(_folder.Combine("cache"));
            if (i % 2 == 0)
            {
                if (!cache.Publish(_key, _folder.Combine("built"), Names)) Interlocked.Increment(ref failures);
                return;
            }
            var target = _folder.Combine($"reader-{i}");
            Directory.CreateDirectory(target);
            if (cache.TryCopyTo(_key, target) is not null && !FolderSnapshot.Of(target).SequenceEqual(FolderSnapshot.Of(_folder.Combine("built"))))
                Interlocked.Increment(ref failures);
        });

        Assert.Equal(0, failures);
        Assert.NotEqual("", Restore());
        Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(_cache.EntryPath(_key))!));
        Assert.DoesNotContain(_log.Events.Select(e => e.Text), m => m.Contains("is corrupt", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileNameThatLeavesTheFolderIsRejected()
    {
        Assert.Throws<ArgumentException>(() => _cache.Publish(_key, _folder.Combine("built"), ["../config.json"]));
    }
}

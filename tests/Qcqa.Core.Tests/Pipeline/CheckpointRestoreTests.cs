using Qcqa.Core.Cache;
using Qcqa.Core.Merge;
using Qcqa.Core.Progress;
using Qcqa.Core.Tests.Progress;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Pipeline;

/// <summary>
/// Merged variants in the checkpoint cache: an output folder deleted (as by <c>dotnet clean</c>) or a variant folder
/// deleted comes back by a copy from the cache, byte for byte, without merging; a damaged entry is merged again.
/// </summary>
public sealed class CheckpointRestoreTests : IDisposable
{
    private readonly PipelineFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private string Variants => Path.Combine(_fixture.Output, "tiny");

    private static IReadOnlyList<KeyValuePair<string, string>> WithoutStamps(string folder)
        => FolderSnapshot.Take(folder).Hashes.Where(f => !f.Key.EndsWith(BuildStamp.FileName, StringComparison.Ordinal)).ToArray();

    [Fact]
    public void GivenTheOutputFolderDeletedEveryVariantIsRestoredFromTheCacheByteForByteWithoutMerging()
    {
        _fixture.Build();
        var before = WithoutStamps(Variants);
        Directory.Delete(_fixture.Output, recursive: true);
        var progress = new RecordedProgress();

        var result = _fixture.Build(progress: progress);

        Assert.Equal(before, WithoutStamps(Variants));
        foreach (var variant in new[] { "gqa-50", "ec-50", "ac-50", "ac-25" })
            Assert.Equal("restored from cache", Assert.Single(progress.Finished(BuildStages.Merge, $"tiny/{variant}")).Detail);
        Assert.All(result.Rows.Where(r => !r.IsOriginal), r => Assert.True(r.Rebuilt));

        var noOp = new RecordedProgress();
        _fixture.Build(progress: noOp);
        Assert.All(noOp.Events.Where(e => e is { Kind: BuildProgressKind.Finished, Stage: BuildStages.Merge }), e => Assert.Equal("up to date", e.Detail));
    }

    [Fact]
    public void GivenTheCachedEntryOfAVariantDamagedItIsMergedAgainToTheSameBytes()
    {
        _fixture.Build();
        var weights = Path.Combine(Variants, "ec-50", "model.safetensors");
        var expected = FolderSnapshot.HashFile(weights);
        var cached = Directory.GetFiles(_fixture.Folder.Combine("cache", CheckpointCache.Kind), "model.safetensors", SearchOption.AllDirectories)
            .Single(f => FolderSnapshot.HashFile(f) == expected);
        File.WriteAllBytes(cached, new byte[new FileInfo(cached).Length]); // same length, other bytes
        Directory.Delete(Path.Combine(Variants, "ec-50"), recursive: true);
        var progress = new RecordedProgress();

        _fixture.Build(progress: progress);

        Assert.Equal("written", Assert.Single(progress.Finished(BuildStages.Merge, "tiny/ec-50")).Detail);
        Assert.Equal(expected, FolderSnapshot.HashFile(weights));
        Assert.Equal(expected, FolderSnapshot.HashFile(cached));
        Assert.Contains(_fixture.Messages, m => m.Contains("is corrupt", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenAnotherCacheFolderTheVariantsAreMergedNotRestored()
    {
        _fixture.Build();
        Directory.Delete(_fixture.Output, recursive: true);
        var progress = new RecordedProgress();

        _fixture.Build(cache: _fixture.Folder.Combine("other-cache"), progress: progress);

        Assert.All(progress.Events.Where(e => e is { Kind: BuildProgressKind.Finished, Stage: BuildStages.Merge }), e => Assert.Equal("written", e.Detail));
    }
}

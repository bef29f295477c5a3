using Qcqa.Torch.Native;
using Xunit;

namespace Qcqa.Torch.Tests.Native;

public sealed class PatchedLibraryCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "qcqa-cache-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static byte[] Reverse(byte[] b) => b.Reverse().ToArray();

    [Fact]
    public void ItWritesThePatchedBytesUnderAFolderKeyedByTheOriginalsHash()
    {
        var cache = new PatchedLibraryCache(_root);
        byte[] original = [1, 2, 3, 4];

        var path = cache.GetOrCreate("libX.so", original, Reverse);

        Assert.Equal([4, 3, 2, 1], File.ReadAllBytes(path));
        Assert.Equal("libX.so", Path.GetFileName(path));
        Assert.Equal(_root, Path.GetDirectoryName(Path.GetDirectoryName(path)));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void GivenADifferentOriginalItUsesADifferentFolder()
    {
        var cache = new PatchedLibraryCache(_root);

        var a = cache.GetOrCreate("libX.so", [1, 2, 3], Reverse);
        var b = cache.GetOrCreate("libX.so", [1, 2, 4], Reverse);

        Assert.NotEqual(Path.GetDirectoryName(a), Path.GetDirectoryName(b));
    }

    [Fact]
    public void GivenAnIntactEntryItIsReusedWithoutRewriting()
    {
        var cache = new PatchedLibraryCache(_root);
        var path = cache.GetOrCreate("libX.so", [1, 2, 3], Reverse);
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        var again = cache.GetOrCreate("libX.so", [1, 2, 3], Reverse);

        Assert.Equal(path, again);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(again));
    }

    [Fact]
    public void GivenACorruptEntryItIsReplaced()
    {
        var cache = new PatchedLibraryCache(_root);
        var path = cache.GetOrCreate("libX.so", [1, 2, 3], Reverse);
        File.WriteAllBytes(path, [9]);

        cache.GetOrCreate("libX.so", [1, 2, 3], Reverse);

        Assert.Equal([3, 2, 1], File.ReadAllBytes(path));
    }

    [Fact]
    public void GivenManyConcurrentWritersEveryoneGetsTheCompleteFile()
    {
        var original = Enumerable.Range(0, 1 << 20).Select(i => (byte)i).ToArray();

        var paths = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8)
            .Select(_ => new PatchedLibraryCache(_root).GetOrCreate("libX.so", original, Reverse))
            .ToArray();

        Assert.Single(paths.Distinct());
        Assert.Equal(Reverse(original), File.ReadAllBytes(paths[0]));
        Assert.Empty(Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories));
    }
}

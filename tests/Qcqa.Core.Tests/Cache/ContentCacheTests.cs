using Qcqa.Core.Cache;
using Qcqa.Core.Statistics;
using Qcqa.Tests.Shared;
using Serilog.Events;
using Xunit;

namespace Qcqa.Core.Tests.Cache;

public class ContentCacheTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static CacheKey KeyOf(string text, string kind = "gram") => new CacheKeyBuilder(kind).Add(text).Build();

    [Fact]
    public void APutEntryIsReadBackByAnotherInstance()
    {
        var key = KeyOf("layer 0");
        new ContentCache(_folder.Path).Put(key, [1, 2, 3]);

        var cache = new ContentCache(_folder.Path);
        Assert.True(cache.TryGet(key, out var payload));
        Assert.Equal(new byte[] { 1, 2, 3 }, payload);
        Assert.Equal(1, cache.Statistics.Hits);
        Assert.StartsWith(Path.Combine(_folder.Path, "gram"), cache.GetEntryPath(key));
    }

    [Fact]
    public void AnAbsentKeyIsAMiss()
    {
        var cache = new ContentCache(_folder.Combine("not-created-yet"));
        Assert.False(cache.TryGet(KeyOf("nothing"), out var payload));
        Assert.Empty(payload);
        Assert.Equal(1, cache.Statistics.Misses);
    }

    [Fact]
    public void AnEmptyPayloadRoundTrips()
    {
        var cache = new ContentCache(_folder.Path);
        cache.Put(KeyOf("empty"), []);
        Assert.True(cache.TryGet(KeyOf("empty"), out var payload));
        Assert.Empty(payload);
    }

    [Fact]
    public void GivenACorruptByteTheEntryIsAMissIsDeletedAndIsRecomputed()
    {
        var logger = CollectingSink.CreateLogger(out var sink);
        var cache = new ContentCache(_folder.Path, logger);
        var key = KeyOf("layer 1");
        cache.Put(key, new byte[100]);
        var path = cache.GetEntryPath(key);
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var computed = 0;
        var payload = cache.GetOrAdd(key, () => { computed++; return new byte[100]; });

        Assert.Equal(1, computed);
        Assert.Equal(new byte[100], payload);
        Assert.Equal(1, cache.Statistics.CorruptEntries);
        Assert.Contains(sink.Events, e => e.Level == LogEventLevel.Warning && e.Text.Contains("checksum"));
        Assert.True(new ContentCache(_folder.Path).TryGet(key, out _));
    }

    [Fact]
    public void GivenACorruptHeaderTheEntryIsAMiss()
    {
        var cache = new ContentCache(_folder.Path);
        var key = KeyOf("header");
        cache.Put(key, [5, 6]);
        var bytes = File.ReadAllBytes(cache.GetEntryPath(key));
        bytes[0] = (byte)'X';
        File.WriteAllBytes(cache.GetEntryPath(key), bytes);
        Assert.False(cache.TryGet(key, out _));
        Assert.False(File.Exists(cache.GetEntryPath(key)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(47)]
    [InlineData(60)]
    public void GivenATruncatedEntryItIsAMissAndIsDeleted(int keptBytes)
    {
        var cache = new ContentCache(_folder.Path);
        var key = KeyOf("truncated");
        cache.Put(key, new byte[64]);
        var path = cache.GetEntryPath(key);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..keptBytes]);

        Assert.False(cache.TryGet(key, out _));
        Assert.False(File.Exists(path));
        Assert.Equal(1, cache.Statistics.CorruptEntries);
    }

    [Fact]
    public void AnEntryCopiedUnderAnotherKeyIsRejected()
    {
        var cache = new ContentCache(_folder.Path);
        var a = KeyOf("a");
        var b = KeyOf("b");
        cache.Put(a, [1]);
        Directory.CreateDirectory(Path.GetDirectoryName(cache.GetEntryPath(b))!);
        File.Copy(cache.GetEntryPath(a), cache.GetEntryPath(b));
        Assert.False(cache.TryGet(b, out _));
    }

    [Fact]
    public void HitsAndMissesAreLogged()
    {
        var logger = CollectingSink.CreateLogger(out var sink);
        var cache = new ContentCache(_folder.Path, logger);
        var key = KeyOf("logged");
        cache.GetOrAdd(key, () => [1]);
        cache.GetOrAdd(key, () => [1]);
        Assert.Contains(sink.Events, e => e.Text.Contains("miss") && e.Text.Contains(key.Hash));
        Assert.Contains(sink.Events, e => e.Text.Contains("hit") && e.Text.Contains(key.Hash));
    }

    [Fact]
    public void AGramMatrixRoundTripsExactly()
    {
        var cache = new ContentCache(_folder.Path);
        var values = new[] { 1.0, 0.1 + 0.2, 0.1 + 0.2, double.Epsilon };
        var key = KeyOf("gram");
        cache.Put(key, new GramMatrix(2, values), GramMatrixSerializer.Instance);

        Assert.True(cache.TryGet(key, GramMatrixSerializer.Instance, out var gram));
        Assert.Equal(2, gram.Size);
        Assert.Equal(values, gram.Values.ToArray());
    }

    [Fact]
    public void APayloadThatDoesNotDecodeIsAMissAndIsRecomputed()
    {
        var cache = new ContentCache(_folder.Path);
        var key = KeyOf("bad gram");
        cache.Put(key, [1, 2, 3]);
        var gram = cache.GetOrAdd(key, GramMatrixSerializer.Instance, () => new GramMatrix(1, [4.0]));
        Assert.Equal(4.0, gram[0, 0]);
        Assert.Equal(1, cache.Statistics.CorruptEntries);
        Assert.True(cache.TryGet(key, GramMatrixSerializer.Instance, out _));
    }

    public sealed record EvalResult(string Variant, double Perplexity, int[] KvHeads);

    [Fact]
    public void AJsonPayloadRoundTrips()
    {
        var cache = new ContentCache(_folder.Path);
        var serializer = new JsonCacheSerializer<EvalResult>();
        var key = KeyOf("eval", "eval");
        cache.Put(key, new EvalResult("ac-50", 7.25, [4, 8]), serializer);
        Assert.True(cache.TryGet(key, serializer, out var result));
        Assert.Equal("ac-50", result.Variant);
        Assert.Equal(7.25, result.Perplexity);
        Assert.Equal(new[] { 4, 8 }, result.KvHeads);
    }

    [Fact]
    public async Task ConcurrentWritersOfOneKeyAllSucceedWithTheSameResult()
    {
        var key = KeyOf("contended");
        var payload = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            // One instance per writer: instances share nothing but the folder, like two processes.
            var cache = new ContentCache(_folder.Path);
            for (var i = 0; i < 20; i++)
            {
                cache.Put(key, payload);
                Assert.True(cache.TryGet(key, out var read));
                Assert.Equal(payload, read);
            }
            return cache.Statistics;
        })).ToArray();

        var statistics = await Task.WhenAll(writers);

        Assert.All(statistics, s => Assert.Equal(0, s.CorruptEntries));
        Assert.True(new ContentCache(_folder.Path).TryGet(key, out var final));
        Assert.Equal(payload, final);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(new ContentCache(_folder.Path).GetEntryPath(key))!));
    }
}

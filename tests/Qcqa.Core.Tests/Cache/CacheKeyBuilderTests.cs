using Qcqa.Core.Cache;
using Xunit;

namespace Qcqa.Core.Tests.Cache;

public class CacheKeyBuilderTests
{
    private static CacheKey Key(Action<CacheKeyBuilder> parts, string kind = "gram")
    {
        var builder = new CacheKeyBuilder(kind);
        parts(builder);
        return builder.Build();
    }

    [Fact]
    public void TheSamePartsGiveTheSameKey()
    {
        var a = Key(b => b.Add("layer").Add(3).Add(0.5).Add(true).AddHash(ContentHash.Compute("kv"u8)));
        var b = Key(b => b.Add("layer").Add(3).Add(0.5).Add(true).AddHash(ContentHash.Compute("kv"u8)));
        Assert.Equal(a, b);
        Assert.Equal("gram", a.Kind);
        Assert.True(ContentHash.IsHash(a.Hash));
    }

    [Fact]
    public void ConcatenationsThatSpellTheSameTextGiveDifferentKeys()
    {
        Assert.NotEqual(Key(b => b.Add("ab").Add("c")), Key(b => b.Add("a").Add("bc")));
        Assert.NotEqual(Key(b => b.Add("abc")), Key(b => b.Add("ab").Add("c")));
        Assert.NotEqual(Key(b => b.Add("").Add("a")), Key(b => b.Add("a").Add("")));
    }

    [Fact]
    public void PartsOfDifferentTypesWithTheSameTextGiveDifferentKeys()
    {
        Assert.NotEqual(Key(b => b.Add("1")), Key(b => b.Add(1)));
        Assert.NotEqual(Key(b => b.Add(1)), Key(b => b.Add(1.0)));
        Assert.NotEqual(Key(b => b.Add(true)), Key(b => b.Add(1)));
        Assert.NotEqual(Key(b => b.AddBytes("x"u8)), Key(b => b.Add("x")));
    }

    [Fact]
    public void EveryPartChangesTheKey()
    {
        var baseline = Key(b => b.Add("mode").Add(4).Add(0.25).Add(false));
        Assert.NotEqual(baseline, Key(b => b.Add("mod").Add(4).Add(0.25).Add(false)));
        Assert.NotEqual(baseline, Key(b => b.Add("mode").Add(5).Add(0.25).Add(false)));
        Assert.NotEqual(baseline, Key(b => b.Add("mode").Add(4).Add(0.2500000001).Add(false)));
        Assert.NotEqual(baseline, Key(b => b.Add("mode").Add(4).Add(0.25).Add(true)));
        Assert.NotEqual(baseline.Hash, Key(b => b.Add("mode").Add(4).Add(0.25).Add(false), kind: "front").Hash);
    }

    [Fact]
    public void ListBoundariesAreUnambiguous()
    {
        Assert.NotEqual(Key(b => b.AddAll(["a", "b"]).AddAll(["c"])), Key(b => b.AddAll(["a"]).AddAll(["b", "c"])));
    }

    [Fact]
    public void NaNAndMalformedKindsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new CacheKeyBuilder("gram").Add(double.NaN));
        Assert.Throws<ArgumentException>(() => new CacheKeyBuilder("Gram/../x"));
        Assert.Throws<ArgumentException>(() => new CacheKey("gram", "not-a-hash"));
    }

    [Fact]
    public void ABuilderCannotBeReusedAfterBuild()
    {
        var builder = new CacheKeyBuilder("eval");
        builder.Build();
        Assert.Throws<InvalidOperationException>(() => builder.Add("late"));
    }
}

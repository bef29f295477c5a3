using System.Text;
using Qcqa.Core.Cache;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Cache;

public class ContentHashTests
{
    [Fact]
    public void SpansStreamsAndPartsOfTheSameBytesHashAlike()
    {
        var bytes = Encoding.UTF8.GetBytes(new string('k', 3_000_000) + "v");
        var whole = ContentHash.Compute(bytes);
        Assert.Equal(whole, ContentHash.Compute(new MemoryStream(bytes)));
        Assert.Equal(whole, ContentHash.Compute(bytes.AsMemory(0, 1000), bytes.AsMemory(1000)));
        Assert.Equal(ContentHash.HexLength, whole.Length);
        Assert.True(ContentHash.IsHash(whole));
    }

    [Fact]
    public void AFileHashesLikeItsBytes()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("kv.bin");
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        Assert.Equal(ContentHash.Compute([1, 2, 3, 4]), ContentHash.ComputeFile(path));
    }

    [Fact]
    public async Task AsyncStreamHashingMatches()
    {
        var bytes = new byte[] { 9, 8, 7 };
        Assert.Equal(ContentHash.Compute(bytes), await ContentHash.ComputeAsync(new MemoryStream(bytes)));
    }

    [Fact]
    public void OneChangedByteChangesTheHash()
    {
        var bytes = new byte[4096];
        var before = ContentHash.Compute(bytes);
        bytes[2048] = 1;
        Assert.NotEqual(before, ContentHash.Compute(bytes));
    }
}

using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;
using Xunit;

namespace Qcqa.Torch.Tests.Llama;

public sealed class LlamaConfigTests
{
    [Fact]
    public void RepeatKvGivesEachBlockOfQueryHeadsOneKvHead()
    {
        Assert.Equal([0, 0, 0, 1, 1, 1], AttentionLayout.RepeatKv(6, 2).QueryToKv);
        Assert.True(AttentionLayout.MultiHead(4).IsMultiHead);
    }

    [Fact]
    public void WithoutLayoutsEveryLayerFollowsNumKeyValueHeads()
    {
        var config = TinyLlama.Config(kvHeads: 3);

        Assert.Equal(AttentionLayout.RepeatKv(6, 3), config.LayoutOf(1));
        Assert.Equal(AttentionLayout.MultiHead(6), TinyLlama.Config().LayoutOf(0));
    }

    [Fact]
    public void HeadDimDefaultsToHiddenOverHeads()
    {
        Assert.Equal(10, TinyLlama.Config().ResolvedHeadDim);
        Assert.Equal(16, (TinyLlama.Config() with { HeadDim = 16 }).ResolvedHeadDim);
    }

    [Theory]
    [InlineData(new[] { 0, 2, 0 }, null, "KV head(s) 1")]
    [InlineData(new[] { 0, 3, 1 }, 3, "query_to_kv[1] = 3")]
    public void AMalformedMapIsABadConfig(int[] map, int? kvHeads, string expected)
    {
        var e = Assert.Throws<QcqaException>(() => AttentionLayout.FromMap(map, kvHeads));

        Assert.Equal(ErrorCodes.BadModelConfig, e.Code);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void KvHeadsThatDoNotDivideTheHeadsAreABadConfig()
    {
        var e = Assert.Throws<QcqaException>(() => TinyLlama.Config(kvHeads: 4).Validate());

        Assert.Equal(ErrorCodes.BadModelConfig, e.Code);
    }

    [Fact]
    public void LayoutsMustCoverEveryLayerWithEveryQueryHead()
    {
        var tooFew = TinyLlama.Config(layouts: [AttentionLayout.MultiHead(6)]);
        var wrongHeads = TinyLlama.Config(layouts: [AttentionLayout.MultiHead(6), AttentionLayout.MultiHead(4)]);

        Assert.Contains("lists 1 layers", Assert.Throws<QcqaException>(tooFew.Validate).Message);
        Assert.Contains("Layer 1's query_to_kv has 4 entries", Assert.Throws<QcqaException>(wrongHeads.Validate).Message);
    }
}

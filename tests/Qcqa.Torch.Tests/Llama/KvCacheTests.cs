using Qcqa.Torch.Llama;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

/// <summary>Incremental decoding with the KV cache reproduces the full forward pass, and the cache stores only G_l heads.</summary>
public sealed class KvCacheTests
{
    private static readonly AttentionLayout[] MixedLayouts =
    [
        AttentionLayout.FromMap([0, 1, 0, 2, 1, 0]), // G = 3, groups of 3, 2 and 1
        AttentionLayout.FromMap([1, 0, 0, 1, 1, 0]), // G = 2, interleaved
    ];

    public static TheoryData<string> Layouts() => ["mha", "gqa", "mixed"];

    private static Qcqa.Torch.Llama.LlamaConfig ConfigFor(string layout) => layout switch
    {
        "mha" => TinyLlama.Config(),
        "gqa" => TinyLlama.Config(kvHeads: 2, bias: true),
        _ => TinyLlama.Config(layouts: MixedLayouts),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void PrefillThenSingleStepsGiveTheFullForwardLogits(string layout)
    {
        using var scope = NewDisposeScope();
        var config = ConfigFor(layout);
        using var model = LlamaModel.FromWeights(config, TinyLlama.RandomWeights(config, 1));
        var tokens = TinyLlama.Tokens(config, batch: 2, seq: 9, seed: 2);
        using var noGrad = no_grad();
        var full = model.forward(tokens);
        using var cache = model.CreateKvCache(batchSize: 2);

        var pieces = new List<Tensor> { model.Forward(tokens.narrow(1, 0, 4), cache) };
        for (var t = 4; t < 9; t++) pieces.Add(model.Forward(tokens.narrow(1, t, 1), cache));

        TensorAssert.Close(full, cat(pieces, 1), 1e-5);
        Assert.Equal(9, cache.Length);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ChunksAfterACachedPrefixSeeTheRightCausalMask(string layout)
    {
        using var scope = NewDisposeScope();
        var config = ConfigFor(layout);
        using var model = LlamaModel.FromWeights(config, TinyLlama.RandomWeights(config, 3));
        var tokens = TinyLlama.Tokens(config, batch: 1, seq: 10, seed: 4);
        using var noGrad = no_grad();
        var full = model.forward(tokens);
        using var cache = model.CreateKvCache();

        var pieces = new[]
        {
            model.Forward(tokens.narrow(1, 0, 3), cache),
            model.Forward(tokens.narrow(1, 3, 4), cache), // a multi-token chunk with a cached prefix
            model.Forward(tokens.narrow(1, 7, 1), cache),
            model.Forward(tokens.narrow(1, 8, 2), cache),
        };

        TensorAssert.Close(full, cat(pieces, 1), 1e-5);
    }

    [Fact]
    public void TheCacheHoldsExactlyTheGroupedHeadsOfEveryLayer()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(layouts: MixedLayouts);
        var mhaConfig = TinyLlama.AsMultiHead(config);
        using var model = new LlamaModel(config, seed: 5);
        using var mha = new LlamaModel(mhaConfig, seed: 5);
        using var noGrad = no_grad();
        using var cache = model.CreateKvCache();
        using var mhaCache = mha.CreateKvCache();
        var tokens = TinyLlama.Tokens(config, 1, 7, 6);

        model.Forward(tokens.narrow(1, 0, 5), cache);
        model.Forward(tokens.narrow(1, 5, 1), cache);
        model.Forward(tokens.narrow(1, 6, 1), cache);
        mha.Forward(tokens, mhaCache);

        // Σ_l G_l · head_dim · 2 (K and V) · 4 bytes · tokens = (3 + 2) · 10 · 2 · 4 · 7
        Assert.Equal(5L * 10 * 2 * 4 * 7, cache.SizeInBytes);
        Assert.Equal(LlamaKvCache.BytesFor(config, 7), cache.SizeInBytes);
        Assert.Equal(12L * 10 * 2 * 4 * 7, mhaCache.SizeInBytes);
        Assert.Equal(5.0 / 12.0, (double)cache.SizeInBytes / mhaCache.SizeInBytes);
        Assert.Equal([3, 2], cache.Layers.Select(l => l.KvHeads));
    }

    [Fact]
    public void GrowingTheBuffersKeepsEveryStoredToken()
    {
        using var scope = NewDisposeScope();
        using var layer = new LayerKvCache(batchSize: 1, kvHeads: 2, headDim: 3);
        var chunks = Enumerable.Range(0, 40).Select(i => full(new long[] { 1, 2, 1, 3 }, (float)i)).ToArray();

        Tensor keys = chunks[0];
        foreach (var chunk in chunks) (keys, _) = layer.Append(chunk, chunk);

        Assert.Equal(40, layer.Length);
        Assert.True(layer.Capacity >= 40);
        TensorAssert.Identical(cat(chunks, 2), keys);
        Assert.Equal(2L * 1 * 2 * 3 * 40 * 4, layer.SizeInBytes);
    }
}

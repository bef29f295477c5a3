using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

public sealed class LlamaGeneratorTests
{
    [Fact]
    public void GreedyGenerationWithTheCacheMatchesArgMaxOfFullRecomputation()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(layouts: [AttentionLayout.FromMap([0, 1, 0, 2, 1, 0]), AttentionLayout.RepeatKv(6, 2)]);
        using var model = LlamaModel.FromWeights(config, TinyLlama.RandomWeights(config, 31));
        long[] prompt = [3, 14, 15, 9, 2];

        var result = LlamaGenerator.Generate(model, prompt, new GenerationOptions { MaxNewTokens = 8 });

        var sequence = prompt.ToList();
        using var noGrad = no_grad();
        for (var i = 0; i < 8; i++)
        {
            using var step = NewDisposeScope();
            var logits = model.forward(tensor(sequence.ToArray()).reshape(1, sequence.Count));
            sequence.Add(logits[0, -1].argmax().item<long>());
        }
        Assert.Equal(sequence.Skip(prompt.Length), result.Tokens);
        // The last generated token is never fed back, so the cache holds prompt + 7 tokens.
        Assert.Equal(LlamaKvCache.BytesFor(config, prompt.Length + 7), result.KvCacheBytes);
        Assert.True(result.PrefillTime > TimeSpan.Zero && result.DecodeTime > TimeSpan.Zero);
        Assert.True(result.DecodeTokensPerSecond > 0);
    }

    [Fact]
    public void SamplingWithASeedIsReproducibleAndStopsAtTheEndToken()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config();
        using var model = LlamaModel.FromWeights(config, TinyLlama.RandomWeights(config, 32));
        var options = new GenerationOptions { MaxNewTokens = 20, Temperature = 1.5, Seed = 33 };

        var a = LlamaGenerator.Generate(model, [1, 2, 3], options);
        var b = LlamaGenerator.Generate(model, [1, 2, 3], options);
        var stop = a.Tokens[3];
        var stopped = LlamaGenerator.Generate(model, [1, 2, 3], options with { EndOfSequenceToken = stop });

        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(20, a.Tokens.Count);
        Assert.Equal(stop, stopped.Tokens[^1]);
        Assert.True(stopped.Tokens.Count <= 4);
    }

    [Fact]
    public void RunningPastMaxPositionEmbeddingsIsABadArgument()
    {
        var config = TinyLlama.Config();
        using var model = new LlamaModel(config, seed: 1);

        var e = Assert.Throws<QcqaException>(() =>
            LlamaGenerator.Generate(model, [1, 2, 3], new GenerationOptions { MaxNewTokens = 62 }));

        Assert.Equal(ErrorCodes.BadArgument, e.Code);
    }
}

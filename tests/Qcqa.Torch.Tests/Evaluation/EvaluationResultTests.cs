using System.Text.Json.Nodes;
using Qcqa.Torch.Evaluation;

namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>The result's JSON is the contract with the build pipeline: fixed snake_case names, lossless round trip.</summary>
public sealed class EvaluationResultTests
{
    private static readonly EvaluationResult Sample = new(12.5, Math.Log(12.5), 1020, 4, 256, 1024, 1440.0, 16, 123.4, 2.75);

    [Fact]
    public void ItSerialisesWithSnakeCaseNames()
    {
        var json = (JsonObject)JsonNode.Parse(Sample.ToJson())!;

        Assert.Equal(
            ["perplexity", "mean_nll", "scored_tokens", "windows", "window_size", "tokens", "kv_cache_bytes_per_token",
             "generated_tokens", "decode_tokens_per_second", "elapsed_seconds", "bits_per_byte", "tokenizer"],
            json.Select(p => p.Key));
        Assert.Equal(1020, json["scored_tokens"]!.GetValue<long>());
    }

    [Fact]
    public void ItRoundTripsThroughJson()
    {
        Assert.Equal(Sample, EvaluationResult.FromJson(Sample.ToJson()));
    }

    [Fact]
    public void WithoutGenerationTheMeasuredFieldsAreNull()
    {
        var result = Sample with { KvCacheBytesPerToken = null, GeneratedTokens = null, DecodeTokensPerSecond = null };

        var json = (JsonObject)JsonNode.Parse(result.ToJson())!;

        Assert.Null(json["kv_cache_bytes_per_token"]);
        Assert.Equal(result, EvaluationResult.FromJson(result.ToJson()));
    }
}

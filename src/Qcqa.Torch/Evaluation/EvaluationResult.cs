using System.Text.Json;
using System.Text.Json.Serialization;

namespace Qcqa.Torch.Evaluation;

/// <summary>
/// One evaluation of a model: perplexity on held-out text and, when generation ran, the measured KV-cache size and
/// decode speed. Serialises to snake_case JSON with fixed property names (the build pipeline caches and reports it).
/// </summary>
/// <param name="Perplexity">exp(mean NLL) over the scored tokens (see <see cref="PerplexityEvaluator"/>).</param>
/// <param name="MeanNll">Mean negative log-likelihood per scored token, natural log.</param>
/// <param name="ScoredTokens">Tokens predicted.</param>
/// <param name="Windows">Windows evaluated.</param>
/// <param name="WindowSize">Tokens per full window.</param>
/// <param name="Tokens">Tokens of the text evaluated (after any cap).</param>
/// <param name="KvCacheBytesPerToken">KV-cache bytes per token measured during generation (float32 cache), or null when generation did not run.</param>
/// <param name="GeneratedTokens">Tokens decoded by the generation benchmark, or null.</param>
/// <param name="DecodeTokensPerSecond">Single-token decode steps per second, or null.</param>
/// <param name="ElapsedSeconds">Wall-clock time of the whole evaluation (perplexity and generation; not loading).</param>
public sealed record EvaluationResult(
    [property: JsonPropertyName("perplexity")] double Perplexity,
    [property: JsonPropertyName("mean_nll")] double MeanNll,
    [property: JsonPropertyName("scored_tokens")] long ScoredTokens,
    [property: JsonPropertyName("windows")] int Windows,
    [property: JsonPropertyName("window_size")] int WindowSize,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("kv_cache_bytes_per_token")] double? KvCacheBytesPerToken,
    [property: JsonPropertyName("generated_tokens")] int? GeneratedTokens,
    [property: JsonPropertyName("decode_tokens_per_second")] double? DecodeTokensPerSecond,
    [property: JsonPropertyName("elapsed_seconds")] double ElapsedSeconds)
{
    /// <summary>
    /// Bits per byte of text (see <see cref="Text.TokenizedText.BitsPerByte"/>), which compares models with different
    /// tokenizers; null when the tokens' text was not known.
    /// </summary>
    [JsonPropertyName("bits_per_byte")]
    public double? BitsPerByte { get; init; }

    /// <summary>The tokenizer that produced the tokens (e.g. <c>tokenizer.json (byte-level BPE)</c>), or null.</summary>
    [JsonPropertyName("tokenizer")]
    public string? Tokenizer { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        // A diverging model can reach an infinite perplexity; it must still be reported.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The result as indented JSON with snake_case names.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a result written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The text is not such a result.</exception>
    public static EvaluationResult FromJson(string json)
        => JsonSerializer.Deserialize<EvaluationResult>(json, Json) ?? throw new JsonException("The JSON holds null, not an evaluation result.");
}

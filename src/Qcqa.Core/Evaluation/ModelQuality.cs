namespace Qcqa.Core.Evaluation;

/// <summary>Quality of one checkpoint on held-out text.</summary>
/// <param name="Perplexity">Perplexity per token (of the model's own tokenizer) over non-overlapping windows.</param>
/// <param name="ScoredTokens">Tokens whose likelihood was scored.</param>
/// <param name="Window">Window length in tokens.</param>
/// <param name="KvBytesPerToken">KV-cache bytes per token measured while generating with a real cache.</param>
/// <param name="DecodeTokensPerSecond">Greedy decoding speed with that cache.</param>
/// <param name="BitsPerByte">
/// Bits per byte of text: the mean NLL in bits per token times tokens per byte of the text, so models with different
/// tokenizers compare; null in results cached before it was measured.
/// </param>
/// <param name="Tokenizer">The tokenizer the text was read with (e.g. <c>tokenizer.json (byte-level BPE)</c>), or null.</param>
public sealed record ModelQuality(double Perplexity, long ScoredTokens, int Window, long KvBytesPerToken, double DecodeTokensPerSecond,
    double? BitsPerByte = null, string? Tokenizer = null)
{
    /// <summary>The arithmetic of its projections, <c>float32</c> or <c>bfloat16</c> (null in results cached before it was recorded: float32).</summary>
    public string? Precision { get; init; }
}

namespace Qcqa.Torch.Evaluation;

/// <summary>What <see cref="GenerationBenchmark"/> measured.</summary>
/// <param name="PromptTokens">Tokens of the prompt (prefilled in one pass).</param>
/// <param name="GeneratedTokens">Tokens decoded greedily.</param>
/// <param name="CachedTokens">Tokens in the KV cache at the end: the prompt and every generated token but the last.</param>
/// <param name="KvCacheBytes">Bytes of keys and values the cache held at the end, from its tensors' sizes and element type.</param>
/// <param name="PrefillTime">Time of the prompt pass (which also yields the first token).</param>
/// <param name="DecodeTime">Time of the single-token steps.</param>
/// <param name="DecodeTokensPerSecond">Single-token steps per second; 0 when only one token was generated.</param>
public sealed record GenerationBenchmarkResult(
    int PromptTokens,
    int GeneratedTokens,
    long CachedTokens,
    long KvCacheBytes,
    TimeSpan PrefillTime,
    TimeSpan DecodeTime,
    double DecodeTokensPerSecond)
{
    /// <summary>KV-cache bytes per cached token: Σ_l 2 · G_l · head_dim · element size for one sequence.</summary>
    public double KvCacheBytesPerToken => (double)KvCacheBytes / CachedTokens;
}

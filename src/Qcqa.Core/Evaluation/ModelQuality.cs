namespace Qcqa.Core.Evaluation;

/// <summary>Quality of one checkpoint on held-out text.</summary>
/// <param name="Perplexity">Perplexity per token (byte) over non-overlapping windows.</param>
/// <param name="ScoredTokens">Tokens whose likelihood was scored.</param>
/// <param name="Window">Window length in tokens.</param>
/// <param name="KvBytesPerToken">KV-cache bytes per token measured while generating with a real cache.</param>
/// <param name="DecodeTokensPerSecond">Greedy decoding speed with that cache.</param>
public sealed record ModelQuality(double Perplexity, long ScoredTokens, int Window, long KvBytesPerToken, double DecodeTokensPerSecond);

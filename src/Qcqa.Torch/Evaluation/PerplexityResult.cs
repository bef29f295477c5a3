namespace Qcqa.Torch.Evaluation;

/// <summary>The outcome of <see cref="PerplexityEvaluator"/>.</summary>
/// <param name="Perplexity">exp(<paramref name="MeanNll"/>).</param>
/// <param name="MeanNll">Mean negative log-likelihood (natural log) per scored token.</param>
/// <param name="ScoredTokens">Tokens predicted: every token except the first of each window.</param>
/// <param name="Windows">Windows evaluated (the last, shorter one included when it has at least 2 tokens).</param>
/// <param name="WindowSize">W, the tokens per full window.</param>
/// <param name="Tokens">Tokens of the input (including any tail too short to score).</param>
public sealed record PerplexityResult(double Perplexity, double MeanNll, long ScoredTokens, int Windows, int WindowSize, long Tokens);

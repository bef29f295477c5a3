namespace Qcqa.ReferenceModel;

/// <summary>The outcome of a perplexity evaluation.</summary>
/// <param name="Tokens">Tokens (bytes) evaluated, after any cap.</param>
/// <param name="ScoredTokens">Tokens whose probability was scored (all but the first of each window).</param>
/// <param name="Windows">Windows, the last possibly shorter.</param>
/// <param name="NllSum">Σ −ln p(token | window prefix) over scored tokens, in nats, accumulated in float64.</param>
public sealed record PerplexityResult(long Tokens, long ScoredTokens, long Windows, double NllSum)
{
    /// <summary>Mean negative log-likelihood per scored token, in nats.</summary>
    public double MeanNll => NllSum / ScoredTokens;

    /// <summary>exp(<see cref="MeanNll"/>).</summary>
    public double Perplexity => Math.Exp(MeanNll);

    /// <summary>Bits per scored byte.</summary>
    public double BitsPerByte => MeanNll / Math.Log(2);
}

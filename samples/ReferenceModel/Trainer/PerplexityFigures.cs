using Qcqa.Torch.Evaluation;

namespace Qcqa.ReferenceModel;

/// <summary>Figures the trainer's report derives from a <see cref="PerplexityResult"/>.</summary>
public static class PerplexityFigures
{
    /// <summary>Σ −ln p over the scored tokens, in nats (mean NLL × scored tokens).</summary>
    public static double NllSum(this PerplexityResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.MeanNll * result.ScoredTokens;
    }

    /// <summary>Bits per scored byte (mean NLL / ln 2).</summary>
    public static double BitsPerByte(this PerplexityResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.MeanNll / Math.Log(2);
    }
}

using Qcqa.Torch.Evaluation;

namespace Qcqa.ReferenceModel;

/// <summary>
/// A byte-frequency model for comparison: p(b) = (count(b) + 1) / (N + 256) fitted on the training text (add-one
/// smoothing over all 256 byte values), scored on exactly the tokens <see cref="PerplexityEvaluator"/> scores.
/// </summary>
public sealed class UnigramBaseline
{
    private readonly double[] _logProbability = new double[256];

    /// <summary>Fits the byte frequencies of <paramref name="training"/>.</summary>
    public UnigramBaseline(ReadOnlySpan<byte> training)
    {
        var counts = new long[256];
        foreach (var b in training) counts[b]++;
        var total = (double)training.Length + 256;
        for (var b = 0; b < 256; b++) _logProbability[b] = Math.Log((counts[b] + 1) / total);
    }

    /// <summary>The perplexity over the tokens the model evaluation scores (all but each window's first).</summary>
    /// <param name="text">The held-out bytes.</param>
    /// <param name="window">The model evaluation's window W.</param>
    /// <param name="maxTokens">Evaluate only this many leading bytes; null for all.</param>
    public PerplexityResult Evaluate(ReadOnlySpan<byte> text, int window = PerplexityOptions.DefaultWindowSize, long? maxTokens = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        var tokens = maxTokens is { } cap && cap < text.Length ? text[..(int)Math.Max(0, cap)] : text;
        double nll = 0;
        long scored = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            if (i % window == 0) continue;
            nll -= _logProbability[tokens[i]];
            scored++;
        }
        if (scored == 0) throw new ArgumentException("The text is too short: no token can be scored.", nameof(text));
        var mean = nll / scored;
        var windows = tokens.Length / window + (tokens.Length % window >= 2 ? 1 : 0); // as the evaluator counts them
        return new PerplexityResult(Math.Exp(mean), mean, scored, windows, window, tokens.Length);
    }
}

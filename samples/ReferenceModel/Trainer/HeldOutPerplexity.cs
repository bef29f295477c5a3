using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.ReferenceModel;

/// <summary>
/// Per-byte perplexity of a byte-level model on a text, with the definition the project's evaluator shares:
/// <list type="number">
/// <item>tokens = the UTF-8 bytes of the text (token id = byte value), cut to the first <c>maxTokens</c> if given;</item>
/// <item>consecutive, non-overlapping windows of W tokens starting at 0, W, 2W, …; the last, shorter window is included;</item>
/// <item>each window is run alone from position 0 (no context carried over); within a window of n tokens, tokens 2..n
/// are scored from their prefix in that window, the first token is not scored (a one-token window scores nothing);</item>
/// <item>float32 forward pass, log-softmax over the vocabulary in float32, the scored −log p values widened to
/// float64 and summed in float64; perplexity = exp(sum / scored count).</item>
/// </list>
/// Windows of equal length are batched; batching changes float32 rounding by ~1e-6 relative, not the definition.
/// </summary>
public static class HeldOutPerplexity
{
    /// <summary>The window length of the recorded reference numbers.</summary>
    public const int DefaultWindow = 256;

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="text"/>.</summary>
    /// <param name="model">A byte-level model (vocabulary of at least 256).</param>
    /// <param name="text">The text's bytes.</param>
    /// <param name="window">W; at most the model's <c>max_position_embeddings</c>.</param>
    /// <param name="maxTokens">Evaluate only this many leading bytes; null for all.</param>
    /// <param name="batchWindows">Full windows per forward pass.</param>
    /// <exception cref="ArgumentException">The text is too short to score anything, or the window is out of range.</exception>
    public static PerplexityResult Evaluate(LlamaModel model, ReadOnlySpan<byte> text, int window = DefaultWindow, long? maxTokens = null, int batchWindows = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, model.Config.MaxPositionEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchWindows);
        if (model.Config.VocabSize < 256) throw new ArgumentException("The model's vocabulary is smaller than 256 bytes.", nameof(model));
        var tokens = maxTokens is { } cap && cap < text.Length ? text[..(int)Math.Max(0, cap)] : text;

        var full = tokens.Length / window;
        var rest = tokens.Length % window;
        double nll = 0;
        long scored = 0;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (var first = 0; first < full; first += batchWindows)
            {
                var count = Math.Min(batchWindows, full - first);
                nll += WindowNll(model, tokens.Slice(first * window, count * window), count, window);
                scored += (long)count * (window - 1);
            }
            if (rest >= 2)
            {
                nll += WindowNll(model, tokens.Slice(full * window, rest), 1, rest);
                scored += rest - 1;
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        if (scored == 0) throw new ArgumentException("The text is too short: no token can be scored.", nameof(text));
        return new PerplexityResult(tokens.Length, scored, full + (rest > 0 ? 1 : 0), nll);
    }

    /// <summary>Σ −log p over tokens 2..n of <paramref name="count"/> windows of <paramref name="length"/> tokens, laid end to end.</summary>
    private static double WindowNll(LlamaModel model, ReadOnlySpan<byte> bytes, int count, int length)
    {
        using var scope = NewDisposeScope();
        var ids = new long[bytes.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = bytes[i];
        var windows = torch.tensor(ids, new long[] { count, length }, ScalarType.Int64);
        var logits = model.forward(windows);                                  // [count, length, vocab] float32
        var logProbs = logits.narrow(1, 0, length - 1).log_softmax(-1);       // predictions for tokens 2..n
        var targets = windows.narrow(1, 1, length - 1).unsqueeze(-1).to(logProbs.device);
        var picked = logProbs.gather(-1, targets).squeeze(-1);                // [count, length-1] float32
        return picked.to_type(ScalarType.Float64).sum().neg().item<double>();
    }
}

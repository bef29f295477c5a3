using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Evaluation;

/// <summary>
/// Perplexity over consecutive, non-overlapping windows. This definition is a contract: a trained reference model
/// records its perplexity with it and later runs must reproduce the number.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The tokens are split into windows of W tokens; the last, shorter window counts when it has ≥ 2 tokens.</item>
/// <item>Within a window, tokens 2..n are predicted from their prefix in that window; the first token of every window
/// is not scored (no context crosses a window boundary).</item>
/// <item>The forward pass runs in float32; each token's NLL is −log_softmax(logits)[target] in float32, and the NLLs
/// are summed in float64 in token order. Perplexity = exp(Σ NLL / scored tokens).</item>
/// </list>
/// MHA, GQA and per-layer-map models run through the same code; only the model's attention layout differs.
/// </remarks>
public static class PerplexityEvaluator
{
    /// <summary>Computes the perplexity of <paramref name="model"/> on <paramref name="tokens"/>.</summary>
    /// <param name="model">The model (any device).</param>
    /// <param name="tokens">Token ids in [0, vocab_size).</param>
    /// <param name="options">Window and batch sizes; defaults when null.</param>
    /// <param name="progress">Receives the windows done after every batch.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="QcqaException">
    /// QCQA003 when the window is below 2 or above <c>max_position_embeddings</c>, or the batch size is below 1;
    /// QCQA050 when there are fewer than 2 tokens.
    /// </exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public static PerplexityResult Evaluate(LlamaModel model, IReadOnlyList<long> tokens, PerplexityOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Preconditions.CheckNotNull(model);
        Preconditions.CheckNotNull(tokens);
        options ??= new PerplexityOptions();
        options.Validate(model.Config.MaxPositionEmbeddings);
        var window = options.WindowSize;
        if (tokens.Count < 2) throw new QcqaException(ErrorCodes.BadEvaluationInput, $"Perplexity needs at least 2 tokens (got {tokens.Count}).");

        var full = tokens.Count / window;
        var tail = tokens.Count % window;
        var windows = full + (tail >= 2 ? 1 : 0);
        double total = 0;
        long scored = 0;
        var done = 0;
        using var noGrad = no_grad();
        for (var first = 0; first < full; first += options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(options.BatchSize, full - first);
            total += SumNll(model, tokens, (long)first * window, count, window);
            scored += (long)count * (window - 1);
            done += count;
            progress?.Report(new EvaluationProgress(done, windows));
        }
        if (tail >= 2)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += SumNll(model, tokens, (long)full * window, 1, tail);
            scored += tail - 1;
            progress?.Report(new EvaluationProgress(windows, windows));
        }
        var mean = total / scored;
        return new PerplexityResult(Math.Exp(mean), mean, scored, windows, window, tokens.Count);
    }

    /// <summary>Σ NLL of <paramref name="count"/> windows of <paramref name="length"/> tokens starting at <paramref name="offset"/>.</summary>
    private static double SumNll(LlamaModel model, IReadOnlyList<long> tokens, long offset, int count, int length)
    {
        using var scope = NewDisposeScope();
        var ids = new long[count * length];
        for (var i = 0; i < ids.Length; i++) ids[i] = tokens[checked((int)(offset + i))];
        var input = tensor(ids, ScalarType.Int64).reshape(count, length);
        // [count, length, vocab] → predictions for positions 1..length-1 from the prefixes ending at 0..length-2.
        var logits = model.forward(input);
        var logProbabilities = logits.narrow(1, 0, length - 1).log_softmax(-1);
        var targets = input.narrow(1, 1, length - 1).to(logits.device).unsqueeze(-1);
        var nll = logProbabilities.gather(2, targets).neg().to(CPU).contiguous();
        double sum = 0;
        foreach (var value in nll.data<float>()) sum += value;
        return sum;
    }
}

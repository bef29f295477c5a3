using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;
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
        return Evaluate(new StreamedDecoder(new ModelDecoderWeights(model)), tokens, options, progress, cancellationToken);
    }

    /// <summary>Computes the perplexity of a layer-streamed model: each pass carries <see cref="PerplexityOptions.TokensPerPass"/> tokens through every layer.</summary>
    /// <param name="decoder">The model.</param>
    /// <param name="tokens">Token ids in [0, vocab_size).</param>
    /// <param name="options">Window, batch and pass sizes; defaults when null.</param>
    /// <param name="progress">Receives the windows done after every batch.</param>
    /// <param name="cancellationToken">Checked between batches and layers.</param>
    /// <exception cref="QcqaException">As the other overload.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public static PerplexityResult Evaluate(StreamedDecoder decoder, IReadOnlyList<long> tokens, PerplexityOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Preconditions.CheckNotNull(decoder);
        Preconditions.CheckNotNull(tokens);
        options ??= new PerplexityOptions();
        options.Validate(decoder.Config.MaxPositionEmbeddings);
        var window = options.WindowSize;
        if (tokens.Count < 2) throw new QcqaException(ErrorCodes.BadEvaluationInput, $"Perplexity needs at least 2 tokens (got {tokens.Count}).");

        var full = tokens.Count / window;
        var tail = tokens.Count % window;
        // (first token, windows, window length) of every batch, in token order: the NLLs are summed in this order.
        var batches = new List<(long Offset, int Count, int Length)>();
        for (var first = 0; first < full; first += options.BatchSize)
            batches.Add(((long)first * window, Math.Min(options.BatchSize, full - first), window));
        if (tail >= 2) batches.Add(((long)full * window, 1, tail));

        double total = 0;
        long scored = 0;
        var done = 0;
        var windows = full + (tail >= 2 ? 1 : 0);
        using var noGrad = no_grad();
        foreach (var pass in Passes(batches, options.TokensPerPass))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var inputs = pass.Select(b => Window(tokens, b.Offset, b.Count, b.Length)).ToArray();
            var finals = decoder.FinalHidden(inputs, cancellation: cancellationToken);
            for (var i = 0; i < pass.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var inner = NewDisposeScope();
                total += SumNll(decoder.Logits(finals[i]), inputs[i]);
                finals[i].Dispose();
                scored += (long)pass[i].Count * (pass[i].Length - 1);
                done += pass[i].Count;
                progress?.Report(new EvaluationProgress(done, windows));
            }
        }
        var mean = total / scored;
        return new PerplexityResult(Math.Exp(mean), mean, scored, windows, window, tokens.Count);
    }

    // Consecutive batches whose tokens fit one pass (at least one batch each).
    private static IEnumerable<List<(long Offset, int Count, int Length)>> Passes(List<(long Offset, int Count, int Length)> batches, long? tokensPerPass)
    {
        var pass = new List<(long Offset, int Count, int Length)>();
        long held = 0;
        foreach (var batch in batches)
        {
            var size = (long)batch.Count * batch.Length;
            if (pass.Count > 0 && (tokensPerPass is null || held + size > tokensPerPass))
            {
                yield return pass;
                pass = [];
                held = 0;
            }
            pass.Add(batch);
            held += size;
        }
        if (pass.Count > 0) yield return pass;
    }

    private static Tensor Window(IReadOnlyList<long> tokens, long offset, int count, int length)
    {
        var ids = new long[count * length];
        for (var i = 0; i < ids.Length; i++) ids[i] = tokens[checked((int)(offset + i))];
        return tensor(ids, ScalarType.Int64).reshape(count, length);
    }

    /// <summary>Σ NLL of a batch of windows: positions 1..length-1 predicted from the prefixes ending at 0..length-2.</summary>
    private static double SumNll(Tensor logits, Tensor input)
    {
        var length = input.shape[1];
        var logProbabilities = logits.narrow(1, 0, length - 1).log_softmax(-1);
        var targets = input.narrow(1, 1, length - 1).to(logits.device).unsqueeze(-1);
        var nll = logProbabilities.gather(2, targets).neg().to(CPU).contiguous();
        double sum = 0;
        foreach (var value in nll.data<float>()) sum += value;
        return sum;
    }
}

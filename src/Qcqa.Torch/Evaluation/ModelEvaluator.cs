using System.Diagnostics;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;

namespace Qcqa.Torch.Evaluation;

/// <summary>Runs the perplexity measurement and, when asked, the generation benchmark, into one <see cref="EvaluationResult"/>.</summary>
public static class ModelEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="tokens"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokens">The held-out tokens (the generation prompt is their beginning).</param>
    /// <param name="options">Window, batch and generation settings; defaults when null.</param>
    /// <param name="progress">Receives perplexity progress after every batch.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="Qcqa.Core.Diagnostics.QcqaException">As <see cref="PerplexityEvaluator"/> and <see cref="GenerationBenchmark"/>.</exception>
    public static EvaluationResult Evaluate(LlamaModel model, IReadOnlyList<long> tokens, EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Preconditions.CheckNotNull(model);
        return Evaluate(new StreamedDecoder(new ModelDecoderWeights(model)), tokens, options, progress, cancellationToken);
    }

    /// <summary>Evaluates a layer-streamed model.</summary>
    /// <exception cref="Qcqa.Core.Diagnostics.QcqaException">As the other overload.</exception>
    public static EvaluationResult Evaluate(StreamedDecoder model, IReadOnlyList<long> tokens, EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Preconditions.CheckNotNull(model);
        Preconditions.CheckNotNull(tokens);
        options ??= new EvaluationOptions();
        var clock = Stopwatch.StartNew();
        var perplexity = PerplexityEvaluator.Evaluate(model, tokens, options.Perplexity, progress, cancellationToken);
        GenerationBenchmarkResult? generation = null;
        double? kvBytesPerToken = null;
        if (options.GenerateTokens > 0 && model.Weights.Resident)
        {
            cancellationToken.ThrowIfCancellationRequested();
            generation = GenerationBenchmark.Run(model, tokens, options.GenerateTokens, options.PromptTokens);
            kvBytesPerToken = generation.KvCacheBytesPerToken;
        }
        else if (options.GenerateTokens > 0)
        {
            // A streamed model converts every layer again for every decoded token, so decoding would measure the
            // conversion, not the attention; the cache's size per token is what its shape says, exactly as measured.
            kvBytesPerToken = LlamaKvCache.BytesFor(model.Config, tokens: 1);
        }
        return new EvaluationResult(perplexity.Perplexity, perplexity.MeanNll, perplexity.ScoredTokens, perplexity.Windows, perplexity.WindowSize,
            perplexity.Tokens, kvBytesPerToken, generation?.GeneratedTokens, generation?.DecodeTokensPerSecond, clock.Elapsed.TotalSeconds);
    }
}

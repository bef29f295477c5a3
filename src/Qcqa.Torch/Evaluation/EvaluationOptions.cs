namespace Qcqa.Torch.Evaluation;

/// <summary>Settings of <see cref="ModelEvaluator"/>.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Window and batch sizes of the perplexity run.</summary>
    public PerplexityOptions Perplexity { get; init; } = new();

    /// <summary>
    /// Choose the perplexity batch from the model's vocabulary (<see cref="PerplexityOptions.BatchFor"/>) instead of
    /// <see cref="Perplexity"/>'s; the result does not depend on it beyond the last bits of the logits.
    /// </summary>
    public bool AutomaticBatch { get; init; }

    /// <summary>
    /// Tokens to decode in the generation benchmark; 0 skips it. A model whose layers are streamed is not decoded
    /// (each token would convert the whole model again): its KV-cache size per token comes from its shape, and no
    /// decode speed is reported.
    /// </summary>
    public int GenerateTokens { get; init; }

    /// <summary>The memory the evaluation may use (its pass is planned against it); the default share of the machine's memory when null.</summary>
    public Qcqa.Core.Memory.MemoryLimit? Memory { get; init; }

    /// <summary>The arithmetic of the decoder's projections (the spec's <c>evaluation.precision</c>, <c>eval --precision</c>).</summary>
    public Qcqa.Core.Evaluation.ComputePrecision Precision { get; init; } = Qcqa.Core.Evaluation.ComputePrecision.Float32;

    /// <summary>Prompt length of the generation benchmark.</summary>
    public int PromptTokens { get; init; } = GenerationBenchmark.DefaultPromptTokens;
}

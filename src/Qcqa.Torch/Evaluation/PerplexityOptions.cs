namespace Qcqa.Torch.Evaluation;

/// <summary>Settings of <see cref="PerplexityEvaluator.Evaluate"/>.</summary>
public sealed record PerplexityOptions
{
    /// <summary>The window size when none is given.</summary>
    public const int DefaultWindowSize = 256;

    /// <summary>Tokens per window W (2 ≤ W ≤ <c>max_position_embeddings</c>); windows do not overlap.</summary>
    public int WindowSize { get; init; } = DefaultWindowSize;

    /// <summary>Full windows run through the model together; only speed (and the last bits of the logits) depend on it.</summary>
    public int BatchSize { get; init; } = 8;
}

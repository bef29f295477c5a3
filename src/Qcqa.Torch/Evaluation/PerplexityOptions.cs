using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.Evaluation;

/// <summary>Settings of <see cref="PerplexityEvaluator"/>.</summary>
public sealed record PerplexityOptions
{
    /// <summary>The window size when none is given.</summary>
    public const int DefaultWindowSize = 256;

    /// <summary>Tokens per window W (2 ≤ W ≤ <c>max_position_embeddings</c>); windows do not overlap.</summary>
    public int WindowSize { get; init; } = DefaultWindowSize;

    /// <summary>Full windows run through the model together; only speed (and the last bits of the logits) depend on it.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// Tokens carried through the layers together in one layer-streamed pass (several batches; each layer is loaded
    /// once per pass); null runs one batch per pass, which is all a model with resident layers needs.
    /// </summary>
    public long? TokensPerPass { get; init; }

    /// <summary>
    /// The largest batch (up to 32 windows) whose logits stay within 64 M floats: bigger batches run the small matrices of
    /// a small model faster, while a large vocabulary bounds the memory the logits take.
    /// </summary>
    /// <param name="vocabSize">The model's vocabulary.</param>
    /// <param name="windowSize">Tokens per window.</param>
    public static int BatchFor(int vocabSize, int windowSize)
        => (int)Math.Clamp((1L << 26) / Math.Max(1L, (long)vocabSize * windowSize), 1, 32);

    /// <summary>Checks the sizes against a model's context length.</summary>
    /// <param name="maxPositionEmbeddings">The model's <c>max_position_embeddings</c>.</param>
    /// <exception cref="QcqaException">QCQA003 when the window is below 2 or above the context length, or the batch size is below 1.</exception>
    public void Validate(int maxPositionEmbeddings)
    {
        if (WindowSize < 2 || WindowSize > maxPositionEmbeddings)
            throw new QcqaException(ErrorCodes.BadArgument,
                $"The window must hold 2 to max_position_embeddings ({maxPositionEmbeddings}) tokens (got {WindowSize}).");
        if (BatchSize < 1) throw new QcqaException(ErrorCodes.BadArgument, $"The batch size must be at least 1 (got {BatchSize}).");
    }
}

using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.Calibration;

/// <summary>How the calibration pass splits its text.</summary>
public sealed record CalibrationOptions
{
    /// <summary>Tokens per window (windows do not overlap; each starts at position 0, as in evaluation).</summary>
    public int WindowSize { get; init; } = 256;

    /// <summary>Windows run through the model together; only speed depends on it.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Checks the sizes against the model's context and the text's length.</summary>
    /// <exception cref="QcqaException">QCQA003 for sizes out of range; QCQA050 when the text is shorter than one window.</exception>
    public void Validate(int maxPositionEmbeddings, int tokenCount, string? textPath)
    {
        if (WindowSize < 2 || WindowSize > maxPositionEmbeddings)
            throw new QcqaException(ErrorCodes.BadArgument, $"The calibration window must hold 2 to max_position_embeddings ({maxPositionEmbeddings}) tokens (got {WindowSize}).");
        if (BatchSize < 1) throw new QcqaException(ErrorCodes.BadArgument, $"The calibration batch size must be at least 1 (got {BatchSize}).");
        if (tokenCount < WindowSize)
            throw new QcqaException(ErrorCodes.BadEvaluationInput,
                $"The calibration text gives {tokenCount} token(s), fewer than one window of {WindowSize}.", textPath);
    }
}

using Qcqa.Core.Diagnostics;
namespace Qcqa.Core.Spec;

/// <summary>The spec's optional <c>evaluation</c> mapping: held-out text used to measure each variant.</summary>
/// <param name="TextPath">Full path of the held-out text file (written relative to the spec).</param>
/// <param name="MaxTokens">At most this many tokens of the text are evaluated.</param>
/// <param name="Location">Where the mapping was written.</param>
public sealed record EvaluationSpec(string TextPath, int MaxTokens, SourceLocation Location = default)
{
    /// <summary>The arithmetic of the evaluation's projections (<c>precision</c>); float32 unless the spec says otherwise.</summary>
    public Evaluation.ComputePrecision Precision { get; init; } = Evaluation.ComputePrecision.Float32;

    /// <summary><c>max_tokens</c> when the spec leaves it out.</summary>
    public const int DefaultMaxTokens = 20_000;
}

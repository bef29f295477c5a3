using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Calibration;

/// <summary>
/// The spec's <c>calibration</c> mapping (top level, or per model): text the original model reads once so that merge
/// errors are weighted by how the data uses each direction, and whose first windows probe each layer's cost.
/// </summary>
/// <param name="TextPath">Full path of the text (written relative to the spec). Never the held-out text.</param>
/// <param name="MaxTokens">Tokens of the text the calibration pass reads.</param>
/// <param name="ProbeTokens">Tokens the per-layer cost probe scores (the first ones of the text).</param>
/// <param name="Location">Where the mapping was written.</param>
public sealed record CalibrationSpec(string TextPath, int MaxTokens, int ProbeTokens, SourceLocation Location = default)
{
    /// <summary><c>max_tokens</c> when the spec leaves it out.</summary>
    public const int DefaultMaxTokens = 16_384;

    /// <summary><c>probe_tokens</c> when the spec leaves it out.</summary>
    public const int DefaultProbeTokens = 2_048;
}

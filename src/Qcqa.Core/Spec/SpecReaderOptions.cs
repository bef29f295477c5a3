namespace Qcqa.Core.Spec;

/// <summary>Options of <see cref="SpecReader"/>.</summary>
public sealed record SpecReaderOptions
{
    /// <summary>The defaults: check that model folders and evaluation files exist.</summary>
    public static SpecReaderOptions Default { get; } = new();

    /// <summary>
    /// Whether to check that each model folder (QCQA043) and the evaluation text (QCQA050) exist. True by
    /// default; tools that only edit or lint a spec written for another machine turn it off.
    /// </summary>
    public bool CheckPathsExist { get; init; } = true;

    /// <summary>
    /// A calibration text that replaces every model's (the build's <c>--calibration</c>), or null to follow the spec.
    /// Read before the variants, so defaults that depend on calibration (allocation) follow it.
    /// </summary>
    public string? CalibrationText { get; init; }
}

namespace Qcqa.Core.Spec;

/// <summary>
/// A parsed and validated <c>qcqa.yaml</c>: which models to compress, into which variants, and how to evaluate
/// them. Immutable; produced by <see cref="SpecReader"/>.
/// </summary>
public sealed record QcqaSpec
{
    /// <summary>The spec file as it was named to the reader (what diagnostics print).</summary>
    public required string SourcePath { get; init; }

    /// <summary>The folder relative paths in the spec are resolved against (full path).</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The models, in spec order.</summary>
    public required IReadOnlyList<ModelSpec> Models { get; init; }

    /// <summary>The device of <c>defaults</c> (<c>cpu</c> when the spec leaves it out); what the input models are evaluated on.</summary>
    public DeviceKind DefaultDevice { get; init; } = DeviceKind.Cpu;

    /// <summary>The top-level calibration (models may override it), or null.</summary>
    public Calibration.CalibrationSpec? Calibration { get; init; }

    /// <summary>Evaluation settings, or null when the spec has no <c>evaluation</c> section.</summary>
    public EvaluationSpec? Evaluation { get; init; }

    /// <summary>The <c>memory_limit</c> in bytes, or null for the default share of the machine's memory (see <see cref="Memory.MemoryLimit"/>).</summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>Every variant of every model, in spec order.</summary>
    public IEnumerable<VariantSpec> Variants => Models.SelectMany(m => m.Variants);
}

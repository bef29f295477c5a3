using Qcqa.Core.Diagnostics;
namespace Qcqa.Core.Spec;

/// <summary>The outcome of reading a spec: the spec when it is valid, and every problem found.</summary>
/// <param name="Spec">The spec, or null when there is any problem.</param>
/// <param name="Diagnostics">Every problem, in file order; empty exactly when <paramref name="Spec"/> is not null.</param>
public sealed record SpecReadResult(QcqaSpec? Spec, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when the spec is valid.</summary>
    public bool Succeeded => Spec is not null;

    /// <summary>The spec.</summary>
    /// <exception cref="QcqaSpecException">The spec has problems; the exception carries them all.</exception>
    public QcqaSpec GetSpecOrThrow() => Spec ?? throw new QcqaSpecException(Diagnostics);
}

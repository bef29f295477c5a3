using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Spec;

/// <summary>
/// A spec with one or more problems. Carries every problem found, not just the first, so that a user fixes them
/// all in one round; print <see cref="Diagnostics"/> one canonical line each.
/// </summary>
/// <remarks>
/// Not a <see cref="QcqaException"/> (that type is sealed and holds one position); callers that handle only
/// <see cref="QcqaException"/> can use <see cref="ToQcqaExceptions"/> or <see cref="First"/>.
/// </remarks>
public sealed class QcqaSpecException : Exception
{
    /// <summary>Creates the exception from a non-empty list of problems.</summary>
    public QcqaSpecException(IReadOnlyList<SpecDiagnostic> diagnostics)
        : base(string.Join(Environment.NewLine, Preconditions.CheckNotNull(diagnostics).Select(d => d.ToCanonicalString())))
    {
        Preconditions.CheckArgument(diagnostics.Count > 0, "A spec exception needs at least one diagnostic.");
        Diagnostics = diagnostics;
    }

    /// <summary>Every problem, in file order.</summary>
    public IReadOnlyList<SpecDiagnostic> Diagnostics { get; }

    /// <summary>The first problem as a <see cref="QcqaException"/>.</summary>
    public QcqaException First => Diagnostics[0].ToException();

    /// <summary>Every problem as a <see cref="QcqaException"/>.</summary>
    public IReadOnlyList<QcqaException> ToQcqaExceptions() => Diagnostics.Select(d => d.ToException()).ToArray();
}

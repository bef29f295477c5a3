namespace Qcqa.Core.Diagnostics;

/// <summary>
/// A spec, or a budget, with one or more problems. Carries every problem found, not just the first, so that a user
/// fixes them all in one round; it is a <see cref="QcqaException"/>, so one handler reports both kinds (print each
/// of <see cref="QcqaException.Diagnostics"/> as one canonical line).
/// </summary>
public sealed class QcqaSpecException : QcqaException
{
    /// <summary>Creates the exception from a non-empty list of problems.</summary>
    /// <exception cref="ArgumentException"><paramref name="diagnostics"/> is empty.</exception>
    public QcqaSpecException(IReadOnlyList<Diagnostic> diagnostics)
        : base(string.Join(Environment.NewLine, Preconditions.CheckNotNull(diagnostics).Select(d => d.ToCanonicalString())), diagnostics)
    {
    }

    /// <summary>
    /// Throws the problems as one exception: a plain <see cref="QcqaException"/> for a single problem, a
    /// <see cref="QcqaSpecException"/> for several; returns when there are none.
    /// </summary>
    /// <exception cref="QcqaException"><paramref name="diagnostics"/> is not empty.</exception>
    public static void ThrowIfAny(IReadOnlyList<Diagnostic> diagnostics)
    {
        Preconditions.CheckNotNull(diagnostics);
        if (diagnostics.Count == 1) throw diagnostics[0].ToException();
        if (diagnostics.Count > 1) throw new QcqaSpecException(diagnostics);
    }
}

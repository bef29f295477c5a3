namespace Qcqa.Core.Diagnostics;

/// <summary>
/// An error the user can fix (bad input, impossible budget, missing file): the one exception type for user errors.
/// The CLI prints each of its <see cref="Diagnostics"/> as one line in MSBuild's canonical format and exits with
/// code 1; MSBuild tasks turn each into a build error. Anything that is not a <see cref="QcqaException"/> is a bug
/// and keeps its stack trace.
/// </summary>
/// <remarks>
/// Most errors hold one problem. Checks that collect every problem before failing (the spec reader, the budget
/// resolver) throw <see cref="QcqaSpecException"/>, which holds several; <see cref="Code"/>, <see cref="File"/>,
/// <see cref="Line"/> and <see cref="Column"/> then describe the first.
/// </remarks>
public class QcqaException : Exception
{
    /// <summary>Creates a user error with one problem.</summary>
    /// <param name="code">A code from <see cref="ErrorCodes"/>, e.g. <c>QCQA010</c>.</param>
    /// <param name="message">What is wrong, in words that name the problem (not the exception type).</param>
    /// <param name="file">The file at fault, if there is one.</param>
    /// <param name="line">1-based line in <paramref name="file"/>, or 0 when unknown.</param>
    /// <param name="column">1-based column in <paramref name="file"/>, or 0 when unknown.</param>
    /// <param name="inner">The low-level cause, kept for debugging; never printed to users.</param>
    public QcqaException(string code, string message, string? file = null, int line = 0, int column = 0, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        File = file;
        Line = line;
        Column = column;
        Diagnostics = [new Diagnostic(code, message, new SourceLocation(file, line, column))];
    }

    /// <summary>Creates a user error holding several problems, described by the first.</summary>
    /// <param name="message">The exception's message.</param>
    /// <param name="diagnostics">At least one problem.</param>
    /// <exception cref="ArgumentException"><paramref name="diagnostics"/> is empty.</exception>
    protected QcqaException(string message, IReadOnlyList<Diagnostic> diagnostics)
        : base(message)
    {
        Preconditions.CheckArgument(diagnostics.Count > 0, "A user error needs at least one diagnostic.");
        var first = diagnostics[0];
        Code = first.Code;
        File = first.Location.File;
        Line = first.Location.Line;
        Column = first.Location.Column;
        Diagnostics = diagnostics;
    }

    /// <summary>The diagnostic code (of the first problem), <c>QCQA</c> followed by three digits.</summary>
    public string Code { get; }

    /// <summary>The file at fault, or null.</summary>
    public string? File { get; }

    /// <summary>1-based line, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column, 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>Every problem, in the order found (file order for a spec); one for most errors.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <summary>
    /// Every problem in the canonical MSBuild form, one per line: <c>file(line,col): error CODE: message</c>,
    /// <c>file: error CODE: message</c> without a position, or <c>qcqa: error CODE: message</c> without a file.
    /// </summary>
    public string ToCanonicalString() => string.Join(Environment.NewLine, Diagnostics.Select(d => d.ToCanonicalString()));
}

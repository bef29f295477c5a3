namespace Qcqa.Core.Diagnostics;

/// <summary>
/// An error the user can fix (bad input, impossible budget, missing file). The CLI prints it as one line in
/// MSBuild's canonical format and exits with code 1; MSBuild tasks turn it into a build error. Anything that is
/// not a <see cref="QcqaException"/> is a bug and keeps its stack trace.
/// </summary>
public sealed class QcqaException : Exception
{
    /// <summary>Creates a user error.</summary>
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
    }

    /// <summary>The diagnostic code, <c>QCQA</c> followed by three digits.</summary>
    public string Code { get; }

    /// <summary>The file at fault, or null.</summary>
    public string? File { get; }

    /// <summary>1-based line, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column, 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>
    /// The canonical MSBuild form: <c>file(line,col): error CODE: message</c>, <c>file: error CODE: message</c>
    /// without a position, or <c>qcqa: error CODE: message</c> without a file.
    /// </summary>
    public string ToCanonicalString() => CanonicalDiagnostic.Format(File, Line, Column, "error", Code, Message);
}

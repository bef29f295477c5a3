namespace Qcqa.Core.Diagnostics;

/// <summary>
/// Where something was written in a spec file, kept on every spec object (and on the budget the spec produces) so
/// that checks made long after parsing, for example a budget that does not fit the model's shape, still point at
/// the right line and column.
/// </summary>
/// <param name="File">The spec file as it was named to the reader (for a value given on the command line, the option,
/// e.g. <c>--kv-budget</c>), or null for objects built in code.</param>
/// <param name="Line">1-based line, 0 when unknown.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
public readonly record struct SourceLocation(string? File, int Line, int Column)
{
    /// <summary>No location (objects built in code rather than read from a spec).</summary>
    public static SourceLocation None => default;

    /// <summary>A user error at this location, ready to throw.</summary>
    /// <param name="code">A code from <see cref="ErrorCodes"/>.</param>
    /// <param name="message">What is wrong.</param>
    public QcqaException Error(string code, string message) => new(code, message, File, Line, Column);

    /// <summary><c>file(line,col)</c>, as in the canonical diagnostic form.</summary>
    public override string ToString()
        => $"{File ?? "qcqa"}{(Line > 0 ? Column > 0 ? $"({Line},{Column})" : $"({Line})" : "")}";
}

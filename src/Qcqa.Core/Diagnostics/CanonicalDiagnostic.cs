namespace Qcqa.Core.Diagnostics;

/// <summary>
/// Formats diagnostics the way MSBuild's canonical error parser reads them, so that IDEs and CI logs link the
/// message to the file position.
/// </summary>
public static class CanonicalDiagnostic
{
    /// <summary>Formats one diagnostic line.</summary>
    /// <param name="file">File at fault, or null for a tool-level message.</param>
    /// <param name="line">1-based line, 0 when unknown.</param>
    /// <param name="column">1-based column, 0 when unknown (ignored when <paramref name="line"/> is 0).</param>
    /// <param name="category"><c>error</c> or <c>warning</c>.</param>
    /// <param name="code">Diagnostic code such as <c>QCQA010</c>.</param>
    /// <param name="message">The message text (single line).</param>
    public static string Format(string? file, int line, int column, string category, string code, string message)
    {
        var origin = string.IsNullOrEmpty(file) ? "qcqa" : file;
        var position = line > 0 ? (column > 0 ? $"({line},{column})" : $"({line})") : "";
        return $"{origin}{position}: {category} {code}: {message.ReplaceLineEndings(" ")}";
    }
}

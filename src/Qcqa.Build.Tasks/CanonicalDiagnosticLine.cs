using System.Globalization;
using System.Text.RegularExpressions;

namespace Qcqa.Build.Tasks;

/// <summary>
/// One diagnostic in MSBuild's canonical form, parsed: <c>origin(position): [subcategory] category [code]: text</c>,
/// e.g. <c>qcqa.yaml(12,5): error QCQA041: Unknown key</c>. Positions may be <c>(line)</c>, <c>(line-line)</c>,
/// <c>(line,col)</c>, <c>(line,col-col)</c> or <c>(line,col,line,col)</c>; the origin <c>qcqa</c> means "the tool,
/// no file".
/// </summary>
internal sealed partial record CanonicalDiagnosticLine(
    string? File,
    string? Subcategory,
    bool IsError,
    string? Code,
    int Line,
    int Column,
    int EndLine,
    int EndColumn,
    string Message)
{
    /// <summary>The origin that names the tool rather than a file.</summary>
    internal const string ToolOrigin = "qcqa";

    /// <summary>Parses a canonical line; false when <paramref name="text"/> is not in canonical form.</summary>
    internal static bool TryParse(string text, out CanonicalDiagnosticLine diagnostic)
    {
        diagnostic = null!;
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        var origin = match.Groups["origin"].Value.Trim();
        int line = 0, column = 0, endLine = 0, endColumn = 0;
        var position = match.Groups["position"];
        if (position.Success && !TryParsePosition(position.Value, out line, out column, out endLine, out endColumn))
            origin = text[..(position.Index + position.Length + 1)].Trim(); // not a position after all: part of the name
        if (origin.Length == 0) return false;
        diagnostic = new CanonicalDiagnosticLine(
            string.Equals(origin, ToolOrigin, StringComparison.OrdinalIgnoreCase) ? null : origin,
            match.Groups["subcategory"].Success ? match.Groups["subcategory"].Value.Trim() : null,
            string.Equals(match.Groups["category"].Value, "error", StringComparison.OrdinalIgnoreCase),
            match.Groups["code"].Success ? match.Groups["code"].Value : null,
            line, column, endLine, endColumn,
            match.Groups["message"].Value.Trim());
        return true;
    }

    private static bool TryParsePosition(string text, out int line, out int column, out int endLine, out int endColumn)
    {
        line = column = endLine = endColumn = 0;
        var parts = text.Split(',');
        static bool Number(string s, out int value) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        static bool Range(string s, out int first, out int last)
        {
            first = last = 0;
            var dash = s.Split('-');
            if (dash.Length == 1) return Number(dash[0], out first);
            return dash.Length == 2 && Number(dash[0], out first) && Number(dash[1], out last);
        }
        return parts.Length switch
        {
            1 => Range(parts[0], out line, out endLine),
            2 => Number(parts[0], out line) && Range(parts[1], out column, out endColumn),
            4 => Number(parts[0], out line) && Number(parts[1], out column) && Number(parts[2], out endLine) && Number(parts[3], out endColumn),
            _ => false,
        };
    }

    // The origin is matched lazily so that the first ": error"/": warning" after it wins; it may not be empty,
    // and a drive letter ("C:\x") cannot end it because the subcategory may not contain ':'.
    [GeneratedRegex(@"^(?<origin>[^\s].*?)(?:\((?<position>[^()]*)\))?\s*:\s*(?:(?<subcategory>[^:]*?)\s+)?(?<category>(?i:error|warning))(?:\s+(?<code>[A-Za-z][A-Za-z0-9_]*))?\s*:(?<message>.*)$", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();
}

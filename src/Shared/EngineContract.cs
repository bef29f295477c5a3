using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Qcqa.Build;

/// <summary>
/// The contract between the engine (<c>dotnet-qcqa build --msbuild</c>, Qcqa.Core) and the MSBuild tasks
/// (Qcqa.Build.Tasks): the line protocol's prefixes, the canonical diagnostic form (written by the engine, parsed by
/// the task), the dependency file (written by the engine, read by the task) and the codes the tasks report. This one
/// source file is compiled into both assemblies (the tasks must not reference Qcqa.Core), so the two sides cannot
/// drift apart. See <c>build/implementation_notes.md</c>, "The engine contract".
/// </summary>
internal static partial class EngineContract
{
    /// <summary>
    /// What a line of the engine's standard output carries. Each kind has a prefix, its name in lower case and a
    /// colon (<c>error:</c>, <c>warning:</c>, <c>progress:</c>, <c>info:</c>, <c>verbose:</c>, <c>data:</c>), then a
    /// space and the text.
    /// </summary>
    internal enum LineKind
    {
        /// <summary>A build error: a canonical diagnostic.</summary>
        Error,
        /// <summary>A build warning: a canonical diagnostic.</summary>
        Warning,
        /// <summary>
        /// A message at high importance: the build's progress (one line per finished stage and model or variant, and
        /// the summary), shown at MSBuild's default verbosity and hidden by <c>-v:q</c>.
        /// </summary>
        Progress,
        /// <summary>A message at normal importance.</summary>
        Info,
        /// <summary>A message at low importance (shown with <c>-v:d</c>).</summary>
        Verbose,
        /// <summary>A data item, <c>key=value</c>.</summary>
        Data,
    }

    /// <summary>
    /// The line protocol on the engine's standard output (<c>--msbuild</c>): one <see cref="LineKind"/> per line;
    /// a line without a known prefix is a plain message. The files a build produced travel in the dependency file
    /// only.
    /// </summary>
    internal static class Protocol
    {
        private static readonly LineKind[] Kinds = Enum.GetValues<LineKind>();

        /// <summary>The prefix of a kind, e.g. <c>error:</c>.</summary>
        internal static string Prefix(LineKind kind) => kind.ToString().ToLowerInvariant() + ":";

        /// <summary>One protocol line: the prefix, a space, and the text with its line breaks turned into spaces.</summary>
        internal static string Line(LineKind kind, string text) => $"{Prefix(kind)} {text.ReplaceLineEndings(" ")}";

        /// <summary>Splits a line into its kind and text (the space after the prefix is optional); false for a plain line. Prefixes are case-sensitive.</summary>
        internal static bool TryParse(string line, out LineKind kind, out string text)
        {
            foreach (var candidate in Kinds)
            {
                var prefix = Prefix(candidate);
                if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
                kind = candidate;
                text = line.Length > prefix.Length && line[prefix.Length] == ' ' ? line[(prefix.Length + 1)..] : line[prefix.Length..];
                return true;
            }
            kind = default;
            text = "";
            return false;
        }
    }

    /// <summary>
    /// The problems the build integration itself reports, numbered by their code (<see cref="Code"/>): the engine's
    /// codes (Qcqa.Core's <c>ErrorCodes</c>) leave the 07x decade to these, and <see cref="FileNotFound"/> is the
    /// engine's "file not found" too.
    /// </summary>
    internal enum TaskError
    {
        /// <summary>QCQA001: a file named by the build does not exist.</summary>
        FileNotFound = 1,
        /// <summary>QCQA070: a task parameter or QCQA property is invalid (e.g. no engine configured, engine not found).</summary>
        BadParameter = 70,
        /// <summary>QCQA071: the engine process could not be started.</summary>
        EngineDidNotStart = 71,
        /// <summary>QCQA072: the engine failed without reporting an error of its own.</summary>
        EngineFailed = 72,
        /// <summary>QCQA073: a dependency file is unreadable or has malformed lines (a warning; the engine then runs again).</summary>
        BadDependencyFile = 73,
    }

    /// <summary>The diagnostic code of a task problem, e.g. <c>QCQA070</c>.</summary>
    internal static string Code(this TaskError error) => $"QCQA{(int)error:D3}";

    /// <summary>
    /// The dependency file: what a build read and wrote, so that the targets skip the engine when nothing changed
    /// and <c>dotnet clean</c> deletes what it produced.
    /// </summary>
    /// <remarks>
    /// Format 1: UTF-8 without BOM, lines ending in LF (readers accept CRLF). Each line is empty, a comment starting
    /// with <c>#</c>, or <c>kind&lt;TAB&gt;path</c> where kind is <c>input</c> (a file the build read: the spec, model
    /// files, held-out text) or <c>output</c> (a file the build produced, whether or not this run rewrote it). The
    /// engine writes absolute paths; readers resolve relative ones against the file's folder and ignore unknown
    /// kinds, so new kinds can be added without breaking old targets. Written atomically, only after a successful
    /// build, listing every input and output of that build.
    /// </remarks>
    internal static class DependencyFile
    {
        /// <summary>Kind of an entry naming a file the build read.</summary>
        internal const string InputKind = "input";
        /// <summary>Kind of an entry naming a file the build produced.</summary>
        internal const string OutputKind = "output";
        /// <summary>The first line written: a comment naming the format and its version.</summary>
        internal const string Header = "# qcqa dependency file, format 1";

        /// <summary>True when <paramref name="path"/> can be an entry (no tab or line break).</summary>
        internal static bool CanHold(string path) => path.IndexOfAny(['\t', '\n', '\r']) < 0;

        /// <summary>The file's text for these entries.</summary>
        internal static string Format(IEnumerable<string> inputs, IEnumerable<string> outputs)
        {
            var text = new StringBuilder(Header).Append('\n');
            foreach (var input in inputs) text.Append(InputKind).Append('\t').Append(input).Append('\n');
            foreach (var output in outputs) text.Append(OutputKind).Append('\t').Append(output).Append('\n');
            return text.ToString();
        }

        /// <summary>Reads a dependency file.</summary>
        /// <param name="path">The file.</param>
        /// <param name="malformedLine">Receives (line number, text) for each line that is not an entry, comment or blank; optional.</param>
        /// <returns>The inputs and outputs as full paths, in file order; null when the file does not exist.</returns>
        /// <exception cref="IOException">The file exists but cannot be read.</exception>
        internal static (List<string> Inputs, List<string> Outputs)? Read(string path, Action<int, string>? malformedLine = null)
        {
            if (!File.Exists(path)) return null;
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var inputs = new List<string>();
            var outputs = new List<string>();
            var number = 0;
            foreach (var line in File.ReadAllLines(path, Encoding.UTF8))
            {
                number++;
                if (line.Trim().Length == 0 || line[0] == '#') continue;
                var tab = line.IndexOf('\t');
                if (tab <= 0 || tab == line.Length - 1)
                {
                    malformedLine?.Invoke(number, line);
                    continue;
                }
                var entry = Path.GetFullPath(Path.Combine(folder, line[(tab + 1)..]));
                switch (line[..tab])
                {
                    case InputKind: inputs.Add(entry); break;
                    case OutputKind: outputs.Add(entry); break;
                    // Other kinds are for newer targets; ignoring them keeps old targets working with a newer engine.
                }
            }
            return (inputs, outputs);
        }
    }

    /// <summary>
    /// MSBuild's canonical diagnostic form, <c>origin(position): [subcategory] category [code]: text</c>, e.g.
    /// <c>qcqa.yaml(12,5): error QCQA041: Unknown key</c>: what the engine prints and the task parses back into an
    /// error with file, line, column and code. The origin <c>qcqa</c> means "the tool, no file".
    /// </summary>
    internal static partial class CanonicalDiagnostic
    {
        /// <summary>The origin that names the tool rather than a file.</summary>
        internal const string ToolOrigin = "qcqa";

        /// <summary>Formats one diagnostic line.</summary>
        /// <param name="file">File at fault, or null for a tool-level message.</param>
        /// <param name="line">1-based line, 0 when unknown.</param>
        /// <param name="column">1-based column, 0 when unknown (ignored when <paramref name="line"/> is 0).</param>
        /// <param name="category"><c>error</c> or <c>warning</c>.</param>
        /// <param name="code">Diagnostic code such as <c>QCQA010</c>.</param>
        /// <param name="message">The message text (line breaks become spaces).</param>
        internal static string Format(string? file, int line, int column, string category, string code, string message)
        {
            var origin = string.IsNullOrEmpty(file) ? ToolOrigin : file;
            var position = line > 0 ? (column > 0 ? $"({line},{column})" : $"({line})") : "";
            return $"{origin}{position}: {category} {code}: {message.ReplaceLineEndings(" ")}";
        }

        /// <summary>
        /// Parses a canonical line; false when <paramref name="text"/> is not in canonical form. Positions may be
        /// <c>(line)</c>, <c>(line-line)</c>, <c>(line,col)</c>, <c>(line,col-col)</c> or <c>(line,col,line,col)</c>.
        /// </summary>
        internal static bool TryParse(string text, out Parsed diagnostic)
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
            diagnostic = new Parsed(
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

        /// <summary>One parsed canonical diagnostic.</summary>
        /// <param name="File">The origin, or null when it names the tool.</param>
        /// <param name="Subcategory">Text between the position and the category, or null.</param>
        /// <param name="IsError">True for <c>error</c>, false for <c>warning</c>.</param>
        /// <param name="Code">The code, or null when absent.</param>
        /// <param name="Line">1-based line, 0 when absent.</param>
        /// <param name="Column">1-based column, 0 when absent.</param>
        /// <param name="EndLine">End line of a range, 0 when absent.</param>
        /// <param name="EndColumn">End column of a range, 0 when absent.</param>
        /// <param name="Message">The text after the code.</param>
        internal sealed record Parsed(string? File, string? Subcategory, bool IsError, string? Code, int Line, int Column, int EndLine, int EndColumn, string Message);
    }
}

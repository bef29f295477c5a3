using Qcqa.Core.Diagnostics;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Build;

/// <summary>
/// Writes the line protocol the engine speaks to the MSBuild task when run with <c>--msbuild</c>. Each line
/// starts with a prefix the task maps to an MSBuild log call or output item:
/// <list type="bullet">
/// <item><c>error: &lt;canonical diagnostic&gt;</c> → a build error with file, line, column and code.</item>
/// <item><c>warning: &lt;canonical diagnostic&gt;</c> → a build warning.</item>
/// <item><c>progress: &lt;text&gt;</c> → a message at high importance: shown at the default (minimal) verbosity and by
/// the terminal logger, hidden by <c>-v:q</c>. One line per finished stage and variant, and the build's summary.</item>
/// <item><c>info: &lt;text&gt;</c> → a message at normal importance.</item>
/// <item><c>verbose: &lt;text&gt;</c> → a message at low importance (shown with <c>-v:d</c>).</item>
/// <item><c>data: &lt;key&gt;=&lt;value&gt;</c> → an output item (<c>output=&lt;path&gt;</c> becomes an <c>Outputs</c> item).</item>
/// </list>
/// A canonical diagnostic is <c>file(line,col): error QCQA041: message</c> (see <see cref="CanonicalDiagnostic"/>).
/// Thread-safe; every line is flushed at once so the build log shows progress.
/// </summary>
public sealed class EngineProtocolWriter
{
    /// <summary>Prefix of error lines.</summary>
    public const string ErrorPrefix = "error: ";
    /// <summary>Prefix of warning lines.</summary>
    public const string WarningPrefix = "warning: ";
    /// <summary>Prefix of progress messages (high importance).</summary>
    public const string ProgressPrefix = "progress: ";
    /// <summary>Prefix of normal messages.</summary>
    public const string InfoPrefix = "info: ";
    /// <summary>Prefix of detailed messages.</summary>
    public const string VerbosePrefix = "verbose: ";
    /// <summary>Prefix of data lines.</summary>
    public const string DataPrefix = "data: ";
    /// <summary>The data key whose values are produced files.</summary>
    public const string OutputKey = "output";

    private readonly TextWriter _writer;
    private readonly object _gate = new();

    /// <summary>Writes to <paramref name="writer"/> (the process's standard output, normally).</summary>
    public EngineProtocolWriter(TextWriter writer) => _writer = Preconditions.CheckNotNull(writer);

    /// <summary>Reports a user error.</summary>
    public void Error(QcqaException error) => Line(ErrorPrefix, Preconditions.CheckNotNull(error).ToCanonicalString());

    /// <summary>Reports a spec problem.</summary>
    public void Error(SpecDiagnostic diagnostic) => Line(ErrorPrefix, Preconditions.CheckNotNull(diagnostic).ToCanonicalString());

    /// <summary>Reports a warning with a position (file null for a tool-level warning).</summary>
    public void Warning(string? file, int line, int column, string code, string message)
        => Line(WarningPrefix, CanonicalDiagnostic.Format(file, line, column, "warning", code, message));

    /// <summary>A progress message the build shows at its default verbosity; several lines become several messages.</summary>
    public void Progress(string text) => Lines(ProgressPrefix, text);

    /// <summary>A normal message; several lines become several messages.</summary>
    public void Info(string text) => Lines(InfoPrefix, text);

    /// <summary>A detailed message; several lines become several messages.</summary>
    public void Verbose(string text) => Lines(VerbosePrefix, text);

    /// <summary>A produced file (the <c>output</c> data key).</summary>
    public void Output(string path) => Data(OutputKey, Path.GetFullPath(path));

    /// <summary>A data item.</summary>
    /// <param name="key">Letters, digits, '_', '.', '-'.</param>
    /// <param name="value">Single-line text.</param>
    public void Data(string key, string value)
    {
        Preconditions.CheckArgument(key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'), $"Bad data key '{key}'.");
        Preconditions.CheckArgument(value.IndexOfAny(['\n', '\r']) < 0, "A data value must be a single line.");
        Line(DataPrefix, $"{key}={value}");
    }

    private void Lines(string prefix, string text)
    {
        foreach (var line in Preconditions.CheckNotNull(text).ReplaceLineEndings("\n").Split('\n')) Line(prefix, line);
    }

    private void Line(string prefix, string text)
    {
        lock (_gate)
        {
            _writer.Write(prefix);
            _writer.Write(text.ReplaceLineEndings(" "));
            _writer.Write('\n');
            _writer.Flush();
        }
    }
}

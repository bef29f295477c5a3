using Qcqa.Build;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Build;

/// <summary>
/// Writes the line protocol the engine speaks to the MSBuild task when run with <c>--msbuild</c> (prefixes and
/// diagnostic form in <c>EngineContract</c>, src/Shared/EngineContract.cs):
/// <list type="bullet">
/// <item><c>error: &lt;canonical diagnostic&gt;</c> → a build error with file, line, column and code.</item>
/// <item><c>warning: &lt;canonical diagnostic&gt;</c> → a build warning.</item>
/// <item><c>progress: &lt;text&gt;</c> → a message at high importance: shown at the default (minimal) verbosity,
/// hidden by <c>-v:q</c>. One line per finished stage and model or variant, and the build's summary.</item>
/// <item><c>info: &lt;text&gt;</c> → a message at normal importance.</item>
/// <item><c>verbose: &lt;text&gt;</c> → a message at low importance (shown with <c>-v:d</c>).</item>
/// <item><c>data: &lt;key&gt;=&lt;value&gt;</c> → a <c>Data</c> item of the task.</item>
/// </list>
/// The files a build produced are not announced here: the dependency file lists them (one channel).
/// Thread-safe; every line is flushed at once so the build log shows progress.
/// </summary>
public sealed class EngineProtocolWriter
{
    private readonly TextWriter _writer;
    private readonly object _gate = new();

    /// <summary>Writes to <paramref name="writer"/> (the process's standard output, normally).</summary>
    public EngineProtocolWriter(TextWriter writer) => _writer = Preconditions.CheckNotNull(writer);

    /// <summary>Reports one problem of a user error (a <see cref="QcqaException"/> holds one or more).</summary>
    public void Error(Diagnostic diagnostic) => Line(EngineContract.LineKind.Error, Preconditions.CheckNotNull(diagnostic).ToCanonicalString());

    /// <summary>Reports a warning with a position (file null for a tool-level warning).</summary>
    public void Warning(string? file, int line, int column, string code, string message)
        => Line(EngineContract.LineKind.Warning, EngineContract.CanonicalDiagnostic.Format(file, line, column, "warning", code, message));

    /// <summary>A progress message the build shows at its default verbosity; several lines become several messages.</summary>
    public void Progress(string text) => Lines(EngineContract.LineKind.Progress, text);

    /// <summary>A message at normal importance; several lines become several messages.</summary>
    public void Info(string text) => Lines(EngineContract.LineKind.Info, text);

    /// <summary>A detailed message; several lines become several messages.</summary>
    public void Verbose(string text) => Lines(EngineContract.LineKind.Verbose, text);

    /// <summary>A data item.</summary>
    /// <param name="key">Letters, digits, '_', '.', '-'.</param>
    /// <param name="value">Single-line text.</param>
    /// <exception cref="ArgumentException">The key is empty or has other characters, or the value has a line break.</exception>
    public void Data(string key, string value)
    {
        Preconditions.CheckArgument(key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'), $"Bad data key '{key}'.");
        Preconditions.CheckArgument(value.IndexOfAny(['\n', '\r']) < 0, "A data value must be a single line.");
        Line(EngineContract.LineKind.Data, $"{key}={value}");
    }

    private void Lines(EngineContract.LineKind kind, string text)
    {
        foreach (var line in Preconditions.CheckNotNull(text).ReplaceLineEndings("\n").Split('\n')) Line(kind, line);
    }

    private void Line(EngineContract.LineKind kind, string text)
    {
        lock (_gate)
        {
            _writer.Write(EngineContract.Protocol.Line(kind, text));
            _writer.Write('\n');
            _writer.Flush();
        }
    }
}

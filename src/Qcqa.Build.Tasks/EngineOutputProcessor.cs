using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Maps the engine's output to MSBuild: prefixed stdout lines (<see cref="Protocol"/>: <c>error:</c>, <c>warning:</c>,
/// <c>progress:</c>, <c>info:</c>, <c>verbose:</c>, <c>data:</c>) to log calls and items, anything else to messages,
/// and a failure that the engine did not explain to an error. Called on the task's thread only.
/// </summary>
internal sealed class EngineOutputProcessor
{
    // Enough of a crash report to act on, without flooding the log with a long stack trace.
    private const int MaxStderrLinesInError = 40;

    private readonly TaskLoggingHelper _log;
    private readonly List<string> _stderr = [];
    private readonly List<ITaskItem> _data = [];

    internal EngineOutputProcessor(TaskLoggingHelper log) => _log = log;

    /// <summary>True once an error line was logged.</summary>
    internal bool ReportedError { get; private set; }

    /// <summary>Items from every <c>data:</c> line: the value, with the key as <c>Key</c> metadata.</summary>
    internal IReadOnlyList<ITaskItem> Data => _data;

    /// <summary>Handles one line of the engine's standard output.</summary>
    internal void OnStandardOutput(string line)
    {
        if (!Protocol.TryParse(line, out var kind, out var text))
        {
            _log.LogMessage(MessageImportance.Normal, "{0}", line);
            return;
        }
        switch (kind)
        {
            case LineKind.Error: LogDiagnostic(text, asError: true); break;
            case LineKind.Warning: LogDiagnostic(text, asError: false); break;
            case LineKind.Progress: _log.LogMessage(MessageImportance.High, "{0}", text); break;
            case LineKind.Info: _log.LogMessage(MessageImportance.Normal, "{0}", text); break;
            case LineKind.Verbose: _log.LogMessage(MessageImportance.Low, "{0}", text); break;
            default: OnData(text); break;
        }
    }

    /// <summary>Handles one line of the engine's standard error: kept, and shown at low importance for now.</summary>
    internal void OnStandardError(string line)
    {
        _stderr.Add(line);
        _log.LogMessage(MessageImportance.Low, "{0}", line);
    }

    /// <summary>
    /// Called once the engine exited. A non-zero exit code with no error reported becomes errors: the canonical
    /// diagnostics found on stderr (an engine not speaking the protocol still prints those), else one error with
    /// the stderr text, else one error naming the exit code.
    /// </summary>
    internal void Complete(int exitCode)
    {
        if (exitCode == 0 || ReportedError) return;
        foreach (var line in _stderr)
        {
            if (CanonicalDiagnostic.TryParse(line, out var diagnostic) && diagnostic.IsError)
                LogDiagnostic(line, asError: true);
        }
        if (ReportedError) return;
        var text = _stderr.Where(l => l.Trim().Length > 0).ToList();
        if (text.Count == 0)
        {
            _log.LogError(null, TaskError.EngineFailed.Code(), null, null, 0, 0, 0, 0,
                "The QCQA engine exited with code {0} without reporting an error.", exitCode);
        }
        else
        {
            var shown = text.Count > MaxStderrLinesInError ? text.Take(MaxStderrLinesInError).Append($"... ({text.Count - MaxStderrLinesInError} more lines)") : text;
            _log.LogError(null, TaskError.EngineFailed.Code(), null, null, 0, 0, 0, 0,
                "The QCQA engine exited with code {0}:{1}{2}", exitCode, Environment.NewLine, string.Join(Environment.NewLine, shown));
        }
        ReportedError = true;
    }

    private void LogDiagnostic(string text, bool asError)
    {
        // The prefix decides error vs warning; the canonical text supplies position, code and subcategory.
        if (CanonicalDiagnostic.TryParse(text, out var d))
        {
            if (asError) _log.LogError(d.Subcategory, d.Code, null, d.File, d.Line, d.Column, d.EndLine, d.EndColumn, "{0}", d.Message);
            else _log.LogWarning(d.Subcategory, d.Code, null, d.File, d.Line, d.Column, d.EndLine, d.EndColumn, "{0}", d.Message);
        }
        else
        {
            var message = text.Length > 0 ? text : "The QCQA engine reported a problem without a message.";
            if (asError) _log.LogError(null, null, null, null, 0, 0, 0, 0, "{0}", message);
            else _log.LogWarning(null, null, null, null, 0, 0, 0, 0, "{0}", message);
        }
        if (asError) ReportedError = true;
    }

    private void OnData(string data)
    {
        var equals = data.IndexOf('=');
        if (equals <= 0)
        {
            _log.LogMessage(MessageImportance.Low, "Ignored a malformed data line from the QCQA engine: {0}", data);
            return;
        }
        var key = data[..equals].Trim();
        var value = data[(equals + 1)..];
        var item = new TaskItem(value);
        item.SetMetadata("Key", key);
        _data.Add(item);
    }
}

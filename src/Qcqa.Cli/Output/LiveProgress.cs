using System.Diagnostics;
using System.Globalization;
using System.Text;
using Qcqa.Core.Progress;

namespace Qcqa.Cli.Output;

/// <summary>
/// Build progress on an interactive terminal: every finished stage and the summary print as permanent lines, and
/// the stage in progress shows on a status line under them, redrawn in place with its running time until it
/// finishes. Everything else written to the terminal (log lines) must go through <see cref="Writer"/>, which takes
/// the status line away before the text and puts it back after a complete line.
/// </summary>
internal sealed class LiveProgress : IProgress<BuildProgressEvent>, IDisposable
{
    private const string ClearLine = "\r\u001b[2K";
    private static readonly string[] Spinner = ["|", "/", "-", "\\"];

    private readonly TextWriter _terminal;
    private readonly Func<int> _width;
    private readonly object _gate = new();
    private readonly Timer? _timer;
    private readonly Stopwatch _since = new(); // running time of the stage on the status line
    // Invariants (under _gate): _status is the stage in progress or null; _shown is true exactly when the status
    // line is on screen; _midLine is true while text written through Writer has not ended its line.
    private BuildProgressEvent? _status;
    private bool _shown;
    private bool _midLine;
    private int _frame;
    private bool _disposed;

    /// <summary>Draws on <paramref name="terminal"/>.</summary>
    /// <param name="terminal">The terminal (standard error, normally).</param>
    /// <param name="width">The terminal's width in columns; the status line is cut to fit.</param>
    /// <param name="refresh">How often the running time is redrawn; null: only when something happens.</param>
    public LiveProgress(TextWriter terminal, Func<int> width, TimeSpan? refresh)
    {
        _terminal = terminal;
        _width = width;
        Writer = new StatusAwareWriter(this);
        if (refresh is { } every) _timer = new Timer(_ => Redraw(), null, every, every);
    }

    /// <summary>Writes to the terminal around the status line; install it as the console's error writer.</summary>
    public TextWriter Writer { get; }

    /// <inheritdoc />
    public void Report(BuildProgressEvent value)
    {
        lock (_gate)
        {
            if (_disposed) return;
            Hide();
            switch (value.Kind)
            {
                case BuildProgressKind.Finished or BuildProgressKind.Summary:
                    _terminal.WriteLine(value.ToString());
                    if (_status is { } current && (value.Kind == BuildProgressKind.Summary || (current.Stage == value.Stage && current.Subject == value.Subject)))
                        _status = null;
                    break;
                default:
                    if (_status is not { } same || same.Stage != value.Stage || same.Subject != value.Subject) _since.Restart();
                    _status = value;
                    break;
            }
            Show();
        }
    }

    /// <summary>Takes the status line away for good.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            Hide();
            _disposed = true;
        }
    }

    private void Redraw()
    {
        lock (_gate)
        {
            if (_disposed || !_shown) return;
            _frame++;
            Hide();
            Show();
        }
    }

    private void Write(string text)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                _terminal.Write(text);
                return;
            }
            Hide();
            _terminal.Write(text);
            if (text.Length > 0) _midLine = text[^1] != '\n';
            Show();
        }
    }

    private void Show()
    {
        if (_status is null || _midLine || _shown) return;
        var line = string.Create(CultureInfo.InvariantCulture, $"{Spinner[_frame % Spinner.Length]} {_status} ({_since.Elapsed.TotalSeconds:0.0} s)");
        var width = Math.Max(20, _width() - 1);
        if (line.Length > width) line = line[..(width - 1)] + "…";
        _terminal.Write(line);
        _terminal.Flush();
        _shown = true;
    }

    private void Hide()
    {
        if (!_shown) return;
        _terminal.Write(ClearLine);
        _shown = false;
    }

    private sealed class StatusAwareWriter(LiveProgress owner) : TextWriter
    {
        public override Encoding Encoding => owner._terminal.Encoding;

        public override void Write(char value) => owner.Write(value.ToString());

        public override void Write(string? value) => owner.Write(value ?? "");

        public override void Write(char[] buffer, int index, int count) => owner.Write(new string(buffer, index, count));

        public override void WriteLine(string? value) => owner.Write((value ?? "") + NewLine);

        public override void Flush()
        {
            lock (owner._gate) owner._terminal.Flush();
        }
    }
}

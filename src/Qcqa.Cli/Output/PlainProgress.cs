using Qcqa.Core.Progress;

namespace Qcqa.Cli.Output;

/// <summary>
/// Build progress as plain lines (output redirected): one per finished stage, a long stage's advance every half minute
/// (<see cref="ProgressHeartbeat"/>), and the summary.
/// </summary>
internal sealed class PlainProgress(TextWriter writer) : IProgress<BuildProgressEvent>
{
    private readonly object _gate = new();
    private readonly ProgressHeartbeat _heartbeat = new();

    public void Report(BuildProgressEvent value)
    {
        var heartbeat = _heartbeat.Shows(value);
        if (value.Kind is not (BuildProgressKind.Finished or BuildProgressKind.Summary) && !heartbeat) return;
        lock (_gate) writer.WriteLine(value.ToString());
    }
}

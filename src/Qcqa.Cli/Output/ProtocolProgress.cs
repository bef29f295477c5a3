using Qcqa.Core.Build;
using Qcqa.Core.Progress;

namespace Qcqa.Cli.Output;

/// <summary>
/// Build progress for MSBuild: finished stages, the summary and a long stage's advance every half minute
/// (<see cref="ProgressHeartbeat"/>) as <c>progress:</c> lines (high importance, so they show at the default verbosity),
/// stage starts and the other advances (layers searched so far) as <c>info:</c> lines (normal importance, shown from
/// <c>-v:n</c>).
/// </summary>
internal sealed class ProtocolProgress(EngineProtocolWriter protocol) : IProgress<BuildProgressEvent>
{
    private readonly ProgressHeartbeat _heartbeat = new();

    public void Report(BuildProgressEvent value)
    {
        var heartbeat = _heartbeat.Shows(value);
        switch (value.Kind)
        {
            case BuildProgressKind.Finished or BuildProgressKind.Summary:
            case BuildProgressKind.Advanced when heartbeat:
                protocol.Progress(value.ToString());
                break;
            default:
                protocol.Info(value.ToString());
                break;
        }
    }
}

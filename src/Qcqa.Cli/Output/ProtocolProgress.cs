using Qcqa.Core.Build;
using Qcqa.Core.Progress;

namespace Qcqa.Cli.Output;

/// <summary>
/// Build progress for MSBuild: finished stages and the summary as <c>progress:</c> lines (high importance, so they
/// show at the default verbosity), stage starts and advances (layers searched so far) as <c>info:</c> lines
/// (normal importance, shown from <c>-v:n</c>).
/// </summary>
internal sealed class ProtocolProgress(EngineProtocolWriter protocol) : IProgress<BuildProgressEvent>
{
    public void Report(BuildProgressEvent value)
    {
        switch (value.Kind)
        {
            case BuildProgressKind.Finished or BuildProgressKind.Summary:
                protocol.Progress(value.ToString());
                break;
            default:
                protocol.Info(value.ToString());
                break;
        }
    }
}

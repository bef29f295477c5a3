using Qcqa.Core.Progress;

namespace Qcqa.Cli.Output;

/// <summary>Build progress as plain lines (output redirected): one per finished stage, and the summary.</summary>
internal sealed class PlainProgress(TextWriter writer) : IProgress<BuildProgressEvent>
{
    private readonly object _gate = new();

    public void Report(BuildProgressEvent value)
    {
        if (value.Kind is not (BuildProgressKind.Finished or BuildProgressKind.Summary)) return;
        lock (_gate) writer.WriteLine(value.ToString());
    }
}

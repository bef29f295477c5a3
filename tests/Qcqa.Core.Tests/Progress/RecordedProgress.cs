using Qcqa.Core.Progress;

namespace Qcqa.Core.Tests.Progress;

/// <summary>Records every progress event synchronously, in the order reported (from any thread).</summary>
internal sealed class RecordedProgress : IProgress<BuildProgressEvent>
{
    private readonly List<BuildProgressEvent> _events = [];

    internal IReadOnlyList<BuildProgressEvent> Events
    {
        get
        {
            lock (_events) return _events.ToArray();
        }
    }

    /// <summary>The finished events of <paramref name="stage"/> for <paramref name="subject"/>.</summary>
    internal IReadOnlyList<BuildProgressEvent> Finished(string stage, string subject)
        => Events.Where(e => e.Kind == BuildProgressKind.Finished && e.Stage == stage && e.Subject == subject).ToArray();

    public void Report(BuildProgressEvent value)
    {
        lock (_events) _events.Add(value);
    }
}

using Qcqa.Core.Search;
using Serilog;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// Shows a long search's progress as log lines, about every quarter of the layers: enough to see it move without
/// drowning the log. Reports arrive from worker threads, possibly out of order; only progress is logged.
/// </summary>
/// <param name="log">Where to log.</param>
/// <param name="label">What is being searched (a model name).</param>
/// <param name="layers">Layers in the search.</param>
/// <param name="progress">Also told, as <see cref="BuildProgressKind.Advanced"/> search events, when given.</param>
/// <param name="subject">The subject of those events (<c>model/variant</c>).</param>
/// <param name="clock">Started with the search; gives the events their elapsed time.</param>
public sealed class SearchProgressLog(ILogger log, string label, int layers, IProgress<BuildProgressEvent>? progress = null, string? subject = null,
    System.Diagnostics.Stopwatch? clock = null) : IProgress<SearchProgress>
{
    private readonly object _gate = new();
    private int _logged; // the most layers reported done so far

    /// <inheritdoc />
    public void Report(SearchProgress value)
    {
        var step = Math.Max(1, layers / 4);
        // Reported under the lock, so the counts come out in increasing order whichever thread finished first.
        lock (_gate)
        {
            if (value.LayersDone <= _logged || (value.LayersDone < _logged + step && value.LayersDone != layers)) return;
            _logged = value.LayersDone;
            // With a progress reporter the count is its to show; the log keeps it for detailed verbosity.
            if (progress is null) log.Information("Search {Label}: {Done}/{Total} layers", label, value.LayersDone, layers);
            else log.Debug("Search {Label}: {Done}/{Total} layers", label, value.LayersDone, layers);
            progress?.Report(BuildProgressEvent.Advanced(BuildStages.Search, subject ?? label, $"{value.LayersDone}/{layers} layers", clock?.Elapsed ?? TimeSpan.Zero));
        }
    }
}

using Serilog;

namespace Qcqa.Core.Search;

/// <summary>
/// Shows a long search's progress as log lines, about every quarter of the layers: enough to see it move without
/// drowning the log. Reports arrive from worker threads, possibly out of order; only progress is logged.
/// </summary>
/// <param name="log">Where to log.</param>
/// <param name="label">What is being searched (a model name).</param>
/// <param name="layers">Layers in the search.</param>
public sealed class SearchProgressLog(ILogger log, string label, int layers) : IProgress<SearchProgress>
{
    private readonly object _gate = new();
    private int _logged; // the most layers reported done so far

    /// <inheritdoc />
    public void Report(SearchProgress value)
    {
        var step = Math.Max(1, layers / 4);
        lock (_gate)
        {
            if (value.LayersDone <= _logged || (value.LayersDone < _logged + step && value.LayersDone != layers)) return;
            _logged = value.LayersDone;
        }
        log.Information("Search {Label}: {Done}/{Total} layers", label, value.LayersDone, layers);
    }
}

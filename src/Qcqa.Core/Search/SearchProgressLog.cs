using Qcqa.Core.Progress;
using Serilog;

namespace Qcqa.Core.Search;

/// <summary>
/// Shows a long search's progress about every quarter of the layers: enough to see it move without drowning the
/// output. With a stage's progress the counts go there (<c>QCQA search tiny/ac: 2/4 layers</c>) and the log keeps
/// them at debug level; without, they are log lines. Reports arrive from worker threads, possibly out of order;
/// only progress is reported, in increasing order.
/// </summary>
/// <param name="log">Where to log.</param>
/// <param name="label">What is being searched (a model name).</param>
/// <param name="layers">Layers in the search.</param>
/// <param name="stage">The search's progress in the build, or null.</param>
public sealed class SearchProgressLog(ILogger log, string label, int layers, StageProgress? stage = null) : IProgress<SearchProgress>
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
            if (stage is null)
            {
                log.Information("Search {Label}: {Done}/{Total} layers", label, value.LayersDone, layers);
                return;
            }
            log.Debug("Search {Label}: {Done}/{Total} layers", label, value.LayersDone, layers);
            stage.Advanced($"{value.LayersDone}/{layers} layers");
        }
    }
}

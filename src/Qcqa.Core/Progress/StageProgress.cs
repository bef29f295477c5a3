using System.Diagnostics;

namespace Qcqa.Core.Progress;

/// <summary>
/// The progress of one stage for one subject (a model or <c>model/variant</c>), opened by
/// <see cref="BuildProgress.Stage"/>: its clock runs from then, and every event it reports carries the elapsed time.
/// </summary>
public sealed class StageProgress
{
    private readonly BuildProgress _owner;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    internal StageProgress(BuildProgress owner, string stage, string subject)
    {
        _owner = owner;
        Stage = stage;
        Subject = subject;
    }

    /// <summary>The stage's name.</summary>
    public string Stage { get; }

    /// <summary>The model, or <c>model/variant</c>.</summary>
    public string Subject { get; }

    /// <summary>False when nothing reported here is shown (<see cref="BuildProgress.None"/>): callers keep their own log lines then.</summary>
    public bool IsReported => _owner.IsReported;

    /// <summary>Time since the stage was opened.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The stage began its work (shown from normal verbosity, and on the live line).</summary>
    /// <param name="detail">What it is about to do, one line; may be empty.</param>
    public void Started(string detail = "") => Report(BuildProgressKind.Started, detail);

    /// <summary>The stage moved on (shown from normal verbosity, and on the live line).</summary>
    /// <param name="detail">How far it got, one line, e.g. <c>2/4 layers</c>.</param>
    public void Advanced(string detail) => Report(BuildProgressKind.Advanced, detail);

    /// <summary>The stage ended: the line the build shows at its default verbosity.</summary>
    /// <param name="detail">Counts and outcome, one line, e.g. <c>4 layers, 1 computed, 3 from cache</c>.</param>
    public void Finished(string detail) => Report(BuildProgressKind.Finished, detail);

    private void Report(BuildProgressKind kind, string detail) => _owner.Report(new BuildProgressEvent(kind, Stage, Subject, detail, Elapsed));
}

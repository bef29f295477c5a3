namespace Qcqa.Core.Progress;

/// <summary>
/// Where stages report the build's progress: a stage takes one in its constructor (as it takes its logger), opens a
/// <see cref="StageProgress"/> per model or variant it works on, and reports on that. The build's front end decides
/// what is shown (<see cref="IProgress{T}"/> of <see cref="BuildProgressEvent"/>: a live terminal line, plain lines,
/// or <c>progress:</c> protocol lines under MSBuild).
/// </summary>
/// <example>
/// <code>
/// var step = progress.Stage("calibration", model.Name);   // the clock starts here
/// step.Started("64 sequences of 512 tokens");              // optional: a cache hit may go straight to Finished
/// step.Advanced("32/64 sequences");                        // optional, any number of times
/// step.Finished("64 sequences, from cache");               // shown as "QCQA calibration tiny: 64 sequences, from cache (0.42 s)"
/// </code>
/// </example>
public sealed class BuildProgress
{
    private readonly IProgress<BuildProgressEvent>? _sink;

    /// <summary>Reports to <paramref name="sink"/>; null reports nothing.</summary>
    /// <param name="sink">The front end's reporter. Called from the stage's thread; may be called from several threads at once.</param>
    public BuildProgress(IProgress<BuildProgressEvent>? sink) => _sink = sink;

    /// <summary>Reports nothing: for stages run outside a build (the <c>search</c> and <c>wse</c> commands, tests).</summary>
    public static BuildProgress None { get; } = new(null);

    /// <summary>False for <see cref="None"/> (and any instance without a sink): nothing reported is shown.</summary>
    public bool IsReported => _sink is not null;

    /// <summary>Opens a stage's progress for one subject and starts its clock; nothing is reported until the stage says so.</summary>
    /// <param name="stage">The stage's name (<see cref="BuildStages"/>, or a name of its own).</param>
    /// <param name="subject">The model, or <c>model/variant</c>.</param>
    /// <exception cref="ArgumentException">A name is empty or has a line break.</exception>
    public StageProgress Stage(string stage, string subject)
    {
        CheckText(stage, nameof(stage), allowEmpty: false);
        CheckText(subject, nameof(subject), allowEmpty: false);
        return new StageProgress(this, stage, subject);
    }

    /// <summary>The build's last line: what was built and where the report is.</summary>
    /// <param name="detail">One line, e.g. <c>2 variants written, 1 up to date in 4.1 s; report /out/summary.md</c>.</param>
    /// <param name="elapsed">The build's time.</param>
    public void Summary(string detail, TimeSpan elapsed) => Report(BuildProgressEvent.Summary(detail, elapsed));

    internal void Report(BuildProgressEvent value)
    {
        CheckText(value.Detail, "detail", allowEmpty: true);
        _sink?.Report(value);
    }

    private static void CheckText(string text, string name, bool allowEmpty)
    {
        Preconditions.CheckNotNull(text, name);
        Preconditions.CheckArgument((allowEmpty || text.Length > 0) && text.IndexOfAny(['\n', '\r']) < 0,
            $"A progress {name} is one line of text{(allowEmpty ? "" : ", not empty")}: '{text}'.", name);
    }
}

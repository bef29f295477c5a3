using System.Globalization;

namespace Qcqa.Core.Progress;

/// <summary>
/// One step of a build's progress: a stage (any name, see <see cref="BuildStages"/>) starting, moving on or finishing
/// for a subject (<c>model</c> or <c>model/variant</c>), or the build's summary. Stages create these through
/// <see cref="BuildProgress"/>; reporters (<see cref="IProgress{T}"/> of this type) decide how much of it to show:
/// the MSBuild protocol sends finished stages and the summary at high importance, so they appear at the default
/// verbosity, as NuGet's restore lines do.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Stage">The stage's name; empty for <see cref="BuildProgressKind.Summary"/>.</param>
/// <param name="Subject">The model, or <c>model/variant</c>; empty for the summary.</param>
/// <param name="Detail">Counts and outcome, one line of text.</param>
/// <param name="Elapsed">Time the stage took (finished) or has taken so far (otherwise).</param>
public sealed record BuildProgressEvent(BuildProgressKind Kind, string Stage, string Subject, string Detail, TimeSpan Elapsed)
{
    /// <summary>A stage began.</summary>
    public static BuildProgressEvent Started(string stage, string subject, string detail = "") => new(BuildProgressKind.Started, stage, subject, detail, TimeSpan.Zero);

    /// <summary>A stage moved on.</summary>
    public static BuildProgressEvent Advanced(string stage, string subject, string detail, TimeSpan elapsed) => new(BuildProgressKind.Advanced, stage, subject, detail, elapsed);

    /// <summary>A stage ended.</summary>
    public static BuildProgressEvent Finished(string stage, string subject, string detail, TimeSpan elapsed) => new(BuildProgressKind.Finished, stage, subject, detail, elapsed);

    /// <summary>The build ended.</summary>
    public static BuildProgressEvent Summary(string detail, TimeSpan elapsed) => new(BuildProgressKind.Summary, "", "", detail, elapsed);

    /// <summary>
    /// The line to show: <c>QCQA search tiny/ac: arbitrary, 4 layers searched (0.51 s)</c> for a finished stage,
    /// <c>QCQA search tiny/ac: 2/4 layers</c> otherwise, and for the summary
    /// <c>QCQA: 2 variants written, 1 up to date in 4.1 s; report …/summary.md</c>.
    /// </summary>
    public override string ToString() => Kind switch
    {
        BuildProgressKind.Summary => $"QCQA: {Detail}",
        BuildProgressKind.Finished => string.Create(CultureInfo.InvariantCulture, $"QCQA {Stage} {Subject}: {Detail} ({Elapsed.TotalSeconds:0.00} s)"),
        _ => Detail.Length > 0 ? $"QCQA {Stage} {Subject}: {Detail}" : $"QCQA {Stage} {Subject}",
    };
}

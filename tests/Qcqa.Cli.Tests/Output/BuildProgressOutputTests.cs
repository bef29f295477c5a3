using Qcqa.Cli.Output;
using Qcqa.Core.Build;
using Qcqa.Core.Progress;

namespace Qcqa.Cli.Tests.Output;

/// <summary>How the build's progress reaches a terminal, a redirected stream and MSBuild.</summary>
public sealed class BuildProgressOutputTests
{
    private const string Clear = "\r\u001b[2K";
    private static readonly BuildProgressEvent SearchStarted = BuildProgressEvent.Started(BuildStages.Search, "tiny/ac", "arbitrary, 4 layers");
    private static readonly BuildProgressEvent SearchHalfway = BuildProgressEvent.Advanced(BuildStages.Search, "tiny/ac", "2/4 layers", TimeSpan.FromSeconds(1));
    private static readonly BuildProgressEvent SearchDone = BuildProgressEvent.Finished(BuildStages.Search, "tiny/ac", "arbitrary, 4 layers searched", TimeSpan.FromSeconds(2.5));
    private static readonly BuildProgressEvent Summary = BuildProgressEvent.Summary("1 variants written, 0 up to date in 3.0 s; report /out/summary.md", TimeSpan.FromSeconds(3));

    [Fact]
    public void GivenAFinishedStageTheLineNamesStageSubjectDetailAndTime()
    {
        Assert.Equal("QCQA search tiny/ac: arbitrary, 4 layers searched (2.50 s)", SearchDone.ToString());
        Assert.Equal("QCQA: 1 variants written, 0 up to date in 3.0 s; report /out/summary.md", Summary.ToString());
        Assert.Equal("QCQA calibration tiny/ac", BuildProgressEvent.Started("calibration", "tiny/ac").ToString());
    }

    [Fact]
    public void GivenARedirectedStreamOnlyFinishedStagesAndTheSummaryArePrinted()
    {
        var text = new StringWriter();
        var plain = new PlainProgress(text);

        foreach (var e in new[] { SearchStarted, SearchHalfway, SearchDone, Summary }) plain.Report(e);

        Assert.Equal([SearchDone.ToString(), Summary.ToString()], Lines(text));
        Assert.DoesNotContain('\u001b', text.ToString());
    }

    [Fact]
    public void GivenMSBuildFinishedStagesAreProgressLinesAndTheRestInfoLines()
    {
        var text = new StringWriter();
        var protocol = new ProtocolProgress(new EngineProtocolWriter(text));

        foreach (var e in new[] { SearchStarted, SearchHalfway, SearchDone, Summary }) protocol.Report(e);

        Assert.Equal([
            "info: " + SearchStarted, "info: " + SearchHalfway, "progress: " + SearchDone, "progress: " + Summary,
        ], Lines(text));
    }

    [Fact]
    public void GivenALongStageItsAdvancesAreShownEveryHalfMinuteWhereOnlyFinishedStagesAre()
    {
        BuildProgressEvent Step(string detail, double seconds) => BuildProgressEvent.Advanced(BuildStages.FineTuning, "tiny/ac-ft", detail, TimeSpan.FromSeconds(seconds));
        var started = BuildProgressEvent.Started(BuildStages.FineTuning, "tiny/ac-ft", "30 steps");
        BuildProgressEvent[] run = [started, Step("step 3/30", 10), Step("step 9/30", 31), Step("step 12/30", 45), Step("step 21/30", 62),
            BuildProgressEvent.Finished(BuildStages.FineTuning, "tiny/ac-ft", "30 steps", TimeSpan.FromSeconds(90)),
            // The same subject's next run starts its clock again.
            started, Step("step 12/30", 31)];
        var text = new StringWriter();
        var plain = new PlainProgress(text);
        var msbuild = new StringWriter();
        var protocol = new ProtocolProgress(new EngineProtocolWriter(msbuild));

        foreach (var e in run)
        {
            plain.Report(e);
            protocol.Report(e);
        }

        string[] shown = [run[2].ToString(), run[4].ToString(), run[5].ToString(), run[7].ToString()];
        Assert.Equal(shown, Lines(text));
        Assert.Equal(shown.Select(l => "progress: " + l), Lines(msbuild).Where(l => l.StartsWith("progress: ", StringComparison.Ordinal)));
        Assert.Equal(4, Lines(msbuild).Count(l => l.StartsWith("info: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void GivenATerminalTheStageInProgressIsAStatusLineThatAFinishedLineReplaces()
    {
        var terminal = new StringWriter();
        using var live = new LiveProgress(terminal, () => 200, refresh: null);

        live.Report(SearchStarted);
        Assert.StartsWith("| QCQA search tiny/ac: arbitrary, 4 layers (", terminal.ToString());
        Assert.DoesNotContain('\n', terminal.ToString());

        live.Report(SearchHalfway);
        Assert.Contains(Clear + "| QCQA search tiny/ac: 2/4 layers (", terminal.ToString());

        live.Report(SearchDone);
        Assert.EndsWith(Clear + SearchDone + Environment.NewLine, terminal.ToString());
    }

    [Fact]
    public void GivenALogLineWhileAStageRunsTheStatusLineMakesWayAndComesBack()
    {
        var terminal = new StringWriter();
        using var live = new LiveProgress(terminal, () => 200, refresh: null);
        live.Report(SearchStarted);
        var before = terminal.ToString().Length;

        live.Writer.Write("09:00:00 INF ");
        live.Writer.Write("something happened");
        live.Writer.WriteLine();

        var after = terminal.ToString()[before..];
        Assert.StartsWith(Clear + "09:00:00 INF something happened" + Environment.NewLine + "| QCQA search tiny/ac", after);
        Assert.Equal(1, Count(after, Clear)); // not redrawn in the middle of the log line
    }

    [Fact]
    public void GivenANarrowTerminalTheStatusLineIsCutToFit()
    {
        var terminal = new StringWriter();
        using var live = new LiveProgress(terminal, () => 30, refresh: null);

        live.Report(SearchStarted);

        Assert.Equal(29, terminal.ToString().Length);
        Assert.EndsWith("…", terminal.ToString());
    }

    [Fact]
    public void GivenTheDisplayIsDisposedTheStatusLineIsCleared()
    {
        var terminal = new StringWriter();
        var live = new LiveProgress(terminal, () => 200, refresh: null);
        live.Report(SearchStarted);

        live.Dispose();
        live.Report(SearchHalfway);

        Assert.EndsWith(Clear, terminal.ToString());
    }

    private static string[] Lines(StringWriter text) => text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}

using Qcqa.Core.Progress;

namespace Qcqa.Core.Tests.Progress;

/// <summary>The one way a stage reports progress: what reaches the front end, and what is refused.</summary>
public sealed class BuildProgressTests
{
    [Fact]
    public void GivenAStageEveryEventNamesItsStageAndSubjectAndCarriesTheTimeSinceItWasOpened()
    {
        var recorded = new RecordedProgress();
        var step = new BuildProgress(recorded).Stage("calibration", "tiny");

        step.Started("64 sequences");
        Thread.Sleep(20);
        step.Advanced("32/64 sequences");
        step.Finished("64 sequences computed");

        Assert.Equal([BuildProgressKind.Started, BuildProgressKind.Advanced, BuildProgressKind.Finished], recorded.Events.Select(e => e.Kind));
        Assert.All(recorded.Events, e => Assert.Equal(("calibration", "tiny"), (e.Stage, e.Subject)));
        Assert.Equal(["64 sequences", "32/64 sequences", "64 sequences computed"], recorded.Events.Select(e => e.Detail));
        Assert.True(recorded.Events[1].Elapsed >= TimeSpan.FromMilliseconds(20), recorded.Events[1].Elapsed.ToString());
        Assert.True(recorded.Events[2].Elapsed >= recorded.Events[1].Elapsed);
        Assert.True(step.IsReported);
    }

    [Fact]
    public void GivenAStageNotInBuildStagesItIsShownUnderItsOwnName()
    {
        var recorded = new RecordedProgress();

        new BuildProgress(recorded).Stage("fine-tuning", "tiny/ac-50").Finished("200 steps, loss 1.93");

        var line = Assert.Single(recorded.Events).ToString();
        Assert.StartsWith("QCQA fine-tuning tiny/ac-50: 200 steps, loss 1.93 (", line);
        Assert.EndsWith(" s)", line);
    }

    [Fact]
    public void TheSummaryIsOneEventWithoutStageOrSubject()
    {
        var recorded = new RecordedProgress();

        new BuildProgress(recorded).Summary("2 variants written, 1 up to date in 4.1 s; report /out/summary.md", TimeSpan.FromSeconds(4.1));

        var summary = Assert.Single(recorded.Events);
        Assert.Equal((BuildProgressKind.Summary, "", ""), (summary.Kind, summary.Stage, summary.Subject));
        Assert.Equal("QCQA: 2 variants written, 1 up to date in 4.1 s; report /out/summary.md", summary.ToString());
    }

    [Fact]
    public void GivenNoSinkNothingIsReportedAndTheStageSaysSo()
    {
        var step = BuildProgress.None.Stage("search", "tiny");

        step.Started();
        step.Finished("4 layers searched");

        Assert.False(BuildProgress.None.IsReported);
        Assert.False(step.IsReported);
        Assert.False(new BuildProgress(null).IsReported);
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("carriage\rreturn")]
    public void GivenALineBreakTheReportIsRefusedBecauseEachEventIsOneLineOfTheBuildsOutput(string text)
    {
        var recorded = new RecordedProgress();
        var progress = new BuildProgress(recorded);

        Assert.Throws<ArgumentException>(() => progress.Stage(text, "tiny"));
        Assert.Throws<ArgumentException>(() => progress.Stage("search", text));
        Assert.Throws<ArgumentException>(() => progress.Stage("search", "tiny").Finished(text));
        Assert.Throws<ArgumentException>(() => progress.Summary(text, TimeSpan.Zero));
        Assert.Empty(recorded.Events);
    }

    [Fact]
    public void GivenAnEmptyStageOrSubjectTheStageIsRefused()
    {
        var progress = new BuildProgress(new RecordedProgress());

        Assert.Throws<ArgumentException>(() => progress.Stage("", "tiny"));
        Assert.Throws<ArgumentException>(() => progress.Stage("search", ""));
    }
}

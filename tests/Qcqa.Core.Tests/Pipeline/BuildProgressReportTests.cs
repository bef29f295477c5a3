using Qcqa.Core.Progress;
using Qcqa.Core.Tests.Progress;

namespace Qcqa.Core.Tests.Pipeline;

/// <summary>What a build reports as it goes: one finished line per stage and model or variant, in data-flow order, and a summary last.</summary>
public sealed class BuildProgressReportTests
{
    private static readonly string[] Variants = ["gqa-50", "ec-50", "ac-50", "ac-25"];

    [Fact]
    public void GivenAColdBuildEveryStageOfEveryVariantFinishesOnceInOrderAndTheSummaryComesLast()
    {
        using var fixture = new PipelineFixture();
        var recorded = new RecordedProgress();

        fixture.Build(progress: recorded);

        var events = recorded.Events;
        Assert.Equal("3 layers, 3 computed, 0 from cache", Assert.Single(recorded.Finished(BuildStages.Statistics, "tiny")).Detail);
        foreach (var variant in Variants)
        {
            var subject = $"tiny/{variant}";
            var finished = events.Where(e => e.Kind == BuildProgressKind.Finished && e.Subject == subject).Select(e => e.Stage);
            Assert.Equal([BuildStages.Search, BuildStages.Allocation, BuildStages.Merge], finished);
            Assert.Equal("written", recorded.Finished(BuildStages.Merge, subject).Single().Detail);
        }
        Assert.Equal("gqa, 3 layers of neighbouring heads", recorded.Finished(BuildStages.Search, "tiny/gqa-50").Single().Detail);
        Assert.Equal("arbitrary, 3 layers searched", recorded.Finished(BuildStages.Search, "tiny/ac-50").Single().Detail);
        // ac-25 differs from ac-50 in its budget only: the same fronts serve it.
        Assert.Equal("arbitrary, the search of tiny/ac-50 serves it", recorded.Finished(BuildStages.Search, "tiny/ac-25").Single().Detail);
        Assert.StartsWith("12/24 KV heads (50.0 %), relative WSE 0.", recorded.Finished(BuildStages.Allocation, "tiny/ac-50").Single().Detail);
        Assert.StartsWith("6/24 KV heads (25.0 %)", recorded.Finished(BuildStages.Allocation, "tiny/ac-25").Single().Detail);

        var summary = events[^1];
        Assert.Equal(BuildProgressKind.Summary, summary.Kind);
        Assert.StartsWith("4 variants written, 0 up to date in ", summary.Detail);
        Assert.EndsWith("; report " + Path.Combine(fixture.Output, "summary.md"), summary.Detail);
        Assert.Single(events, e => e.Kind == BuildProgressKind.Summary);
    }

    [Fact]
    public void EveryStartedStageFinishesAfterItAndTheSearchCountsItsLayersUpToAllOfThem()
    {
        using var fixture = new PipelineFixture();
        var recorded = new RecordedProgress();

        fixture.Build(progress: recorded);

        var events = recorded.Events;
        for (var e = 0; e < events.Count; e++)
        {
            if (events[e].Kind is not (BuildProgressKind.Started or BuildProgressKind.Advanced)) continue;
            var (stage, subject) = (events[e].Stage, events[e].Subject);
            Assert.Contains(events.Skip(e + 1), later => later.Kind == BuildProgressKind.Finished && later.Stage == stage && later.Subject == subject);
        }
        var counts = events.Where(e => e.Kind == BuildProgressKind.Advanced && e.Subject == "tiny/ac-50").Select(e => e.Detail).ToList();
        Assert.NotEmpty(counts);
        Assert.Equal("3/3 layers", counts[^1]);
        Assert.Equal(counts.Order(StringComparer.Ordinal), counts);
    }

    [Fact]
    public void GivenNothingChangedTheSecondBuildReportsCacheHitsAndUpToDateVariants()
    {
        using var fixture = new PipelineFixture();
        fixture.Build();
        var recorded = new RecordedProgress();

        fixture.Build(progress: recorded);

        Assert.Equal("3 layers, 0 computed, 3 from cache", Assert.Single(recorded.Finished(BuildStages.Statistics, "tiny")).Detail);
        Assert.Equal("arbitrary, 3 layers from cache", recorded.Finished(BuildStages.Search, "tiny/ac-50").Single().Detail);
        Assert.Equal("equal, 3 layers from cache", recorded.Finished(BuildStages.Search, "tiny/ec-50").Single().Detail);
        foreach (var variant in Variants) Assert.Equal("up to date", recorded.Finished(BuildStages.Merge, $"tiny/{variant}").Single().Detail);
        Assert.StartsWith("0 variants written, 4 up to date in ", recorded.Events[^1].Detail);
        Assert.DoesNotContain(recorded.Events, e => e.Kind == BuildProgressKind.Advanced);
    }

    [Fact]
    public void GivenEvaluationTheOriginalAndEveryVariantReportTheirPerplexityAndCacheHitsSaySo()
    {
        using var fixture = new PipelineFixture(PipelineFixture.FourVariants + "\nevaluation: { text: held.txt }\n");
        File.WriteAllText(fixture.Folder.Combine("held.txt"), "In the beginning was the word.");
        var first = new RecordedProgress();
        var second = new RecordedProgress();

        fixture.Build(evaluator: new CountingEvaluator(), progress: first);
        fixture.Build(evaluator: new CountingEvaluator(), progress: second);

        foreach (var subject in Variants.Select(v => $"tiny/{v}").Prepend("tiny/original"))
        {
            Assert.Matches(@"^perplexity \d+\.\d{3}$", first.Finished(BuildStages.Evaluation, subject).Single().Detail);
            Assert.Contains(first.Events, e => e.Kind == BuildProgressKind.Started && e.Stage == BuildStages.Evaluation && e.Subject == subject && e.Detail == "held.txt");
            Assert.Matches(@"^perplexity \d+\.\d{3}, from cache$", second.Finished(BuildStages.Evaluation, subject).Single().Detail);
        }
        Assert.DoesNotContain(second.Events, e => e.Kind == BuildProgressKind.Started && e.Stage == BuildStages.Evaluation);
    }
}

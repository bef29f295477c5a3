using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests;

/// <summary>
/// What `dotnet build` shows of the engine's work at the default verbosity: one line per stage and variant and a
/// summary, like NuGet's restore lines; nothing at -v:q.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class BuildProgressTests
{
    [Fact]
    public void GivenTheDefaultVerbosityTheBuildShowsEveryStageOfEveryVariantAndASummary()
    {
        using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants);

        var build = project.Build("-v:m");

        Assert.True(build.Succeeded, build.ToString());
        Assert.Single(build.Lines, l => l.Contains("QCQA statistics tiny: 4 layers, 4 computed, 0 from cache (", StringComparison.Ordinal));
        foreach (var variant in BuildIncrementalityTests.Variants)
        {
            foreach (var stage in new[] { "search", "allocation", "merge" })
                Assert.Single(build.Lines, l => l.Contains($"QCQA {stage} tiny/{variant}: ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" s)", StringComparison.Ordinal));
            Assert.Contains(build.Lines, l => l.Contains($"QCQA merge tiny/{variant}: written (", StringComparison.Ordinal));
        }
        Assert.Contains(build.Lines, l => l.Contains("QCQA allocation tiny/ac: 16/32 KV heads (50.0 %)", StringComparison.Ordinal));
        var summary = Assert.Single(build.Lines, l => l.Contains("QCQA: ", StringComparison.Ordinal));
        Assert.Contains("3 variants written, 0 up to date in ", summary);
        Assert.Contains("report " + Path.Combine(project.OutputFolder, "summary.md"), summary);
        // Layers searched so far are detail: normal verbosity shows them, minimal does not.
        Assert.DoesNotContain(build.Lines, l => l.Contains("/4 layers", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenAnEditedVariantTheSummaryCountsTheVariantsLeftUpToDate()
    {
        using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants);
        Assert.True(project.Build("-v:q").Succeeded);
        project.WriteSpec(FixtureSpecs.ThreeVariants.Replace("{ name: ac, mode: arbitrary, budget: 0.5 }", "{ name: ac, mode: arbitrary, budget: 0.25 }", StringComparison.Ordinal));

        var edited = project.Build("--no-restore", "-v:m");

        Assert.True(edited.Succeeded, edited.ToString());
        Assert.Contains(edited.Lines, l => l.Contains("QCQA statistics tiny: 4 layers, 0 computed, 4 from cache (", StringComparison.Ordinal));
        Assert.Contains(edited.Lines, l => l.Contains("QCQA merge tiny/gqa: up to date (", StringComparison.Ordinal));
        Assert.Contains(edited.Lines, l => l.Contains("QCQA merge tiny/ac: written (", StringComparison.Ordinal));
        Assert.Contains(edited.Lines, l => l.Contains("QCQA: 1 variants written, 2 up to date in ", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenQuietVerbosityTheBuildShowsNoProgress()
    {
        using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants);

        var build = project.Build("-v:q");

        Assert.True(build.Succeeded, build.ToString());
        foreach (var variant in BuildIncrementalityTests.Variants) QcqaAssert.IsCheckpoint(project.OutputFolder, BuildIncrementalityTests.Model, variant);
        Assert.DoesNotContain(build.Lines, l => l.Contains("QCQA", StringComparison.Ordinal));
    }
}

using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Integration.Tests;

/// <summary>
/// `dotnet build` with the real engine: every variant produced, a no-op build that does not start the engine, an
/// edited variant rebuilt alone with its statistics served from the cache, and `dotnet clean`, after which the cache restores every variant.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class BuildIncrementalityTests
{
    internal const string Model = "tiny";
    internal static readonly string[] Variants = ["gqa", "ec", "ac"];

    [Fact]
    public void GivenASpecTheFirstBuildProducesEveryVariantTheNextSkipsTheEngineAndCleanRemovesThem()
    {
        using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants);

        var first = project.Build();
        Assert.True(first.Succeeded, first.ToString());
        foreach (var variant in Variants) QcqaAssert.IsCheckpoint(project.OutputFolder, Model, variant);
        QcqaAssert.HasSummaries(project.OutputFolder);
        var afterFirst = FolderSnapshot.Take(project.OutputFolder);

        var noOp = project.Build("--no-restore");
        Assert.True(noOp.Succeeded, noOp.ToString());
        Assert.Contains("Skipping target \"QcqaCompress\" because all output files are up-to-date", noOp.Output);
        Assert.DoesNotContain("Running the QCQA engine", noOp.Output);
        Assert.Empty(FolderSnapshot.Take(project.OutputFolder).ChangedSince(afterFirst));

        var clean = project.Clean();
        Assert.True(clean.Succeeded, clean.ToString());
        Assert.Empty(FolderSnapshot.Take(project.OutputFolder).Files);

        // `dotnet clean` keeps the content cache: the next build copies every checkpoint back instead of merging again.
        var restored = project.Build("--no-restore", "-v:n");
        Assert.True(restored.Succeeded, restored.ToString());
        var afterRestore = FolderSnapshot.Take(project.OutputFolder);
        foreach (var variant in Variants)
        {
            QcqaAssert.IsCheckpoint(project.OutputFolder, Model, variant);
            foreach (var file in new[] { "config.json", "model.safetensors" })
                Assert.Equal(afterFirst.Under($"{Model}/{variant}")[file].Sha256, afterRestore.Under($"{Model}/{variant}")[file].Sha256);
        }
        Assert.Equal(Variants.Length, restored.Lines.Count(l => l.Contains("restored from cache", StringComparison.Ordinal)));
    }

    [Fact]
    public void GivenOneVariantsBudgetEditedOnlyThatVariantIsRewrittenAndTheGramMatricesComeFromTheCache()
    {
        using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants);
        var first = project.Build();
        Assert.True(first.Succeeded, first.ToString());
        var before = FolderSnapshot.Take(project.OutputFolder);

        project.WriteSpec(FixtureSpecs.ThreeVariants.Replace("{ name: ac, mode: arbitrary, budget: 0.5 }", "{ name: ac, mode: arbitrary, budget: 0.25 }", StringComparison.Ordinal));
        // -v:d: the engine reports cache hits as detail.
        var edited = project.Build("--no-restore", "-v:d");
        Assert.True(edited.Succeeded, edited.ToString());
        var after = FolderSnapshot.Take(project.OutputFolder);

        foreach (var untouched in new[] { "gqa", "ec" })
            Assert.Equal(before.Under($"{Model}/{untouched}"), after.Under($"{Model}/{untouched}")); // timestamps too
        QcqaAssert.IsCheckpoint(project.OutputFolder, Model, "ac");
        Assert.NotEqual(before.Under($"{Model}/ac")["config.json"].Sha256, after.Under($"{Model}/ac")["config.json"].Sha256);
        Assert.True(edited.Lines.Any(QcqaAssert.IsGramCacheHit), "No cache hit for a Gram matrix in the log:\n" + edited.Output);
    }
}

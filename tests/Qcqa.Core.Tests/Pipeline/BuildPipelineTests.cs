using System.Text.Json.Nodes;
using Qcqa.Core.Build;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Spec;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Pipeline;

public class BuildPipelineTests
{
    [Fact]
    public void GivenASpecItWritesEveryVariantWithItsGroupingAndASummary()
    {
        using var fixture = new PipelineFixture();

        var result = fixture.Build();

        foreach (var variant in new[] { "gqa-50", "ec-50", "ac-50", "ac-25" })
        {
            var folder = Path.Combine(fixture.Output, "tiny", variant);
            using var checkpoint = Checkpoint.Open(folder);
            var grouping = GroupingFile.Read(Path.Combine(folder, "grouping.json"), [8, 8, 8]);
            Assert.Equal(variant == "ac-25" ? 6 : 12, grouping.KvHeadsTotal);
            Assert.NotNull(checkpoint.Config.Qcqa);
        }
        Assert.Equal(5, result.Rows.Count);
        Assert.True(File.Exists(Path.Combine(fixture.Output, "summary.md")));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Output, "summary.json")))!;
        Assert.Equal(5, summary["variants"]!.AsArray().Count);
        var deps = DependencyFile.Read(fixture.Folder.Combine("qcqa.deps"));
        Assert.Contains(Path.GetFullPath(fixture.SpecPath), deps.Inputs);
        Assert.Contains(Path.Combine(fixture.Output, "tiny", "ac-50", "model.safetensors"), deps.Outputs);
    }

    [Fact]
    public void GivenTheSameBudgetQcqaNeverLosesToGqa()
    {
        using var fixture = new PipelineFixture();

        var rows = fixture.Build().Rows.ToDictionary(r => r.Variant);

        Assert.True(rows["ac-50"].Wse <= rows["ec-50"].Wse + 1e-12);
        Assert.True(rows["ec-50"].Wse <= rows["gqa-50"].Wse + 1e-12);
    }

    [Fact]
    public void GivenNothingChangedASecondBuildRewritesNothingAndServesEverythingFromTheCache()
    {
        using var fixture = new PipelineFixture();
        fixture.Build();
        var before = Timestamps(fixture.Output, except: ["summary.json", "summary.md"]);

        var result = fixture.Build();

        Assert.Equal(before, Timestamps(fixture.Output, except: ["summary.json", "summary.md"]));
        Assert.All(result.Rows, r => Assert.False(r.Rebuilt));
        Assert.Contains(fixture.Messages, m => m.Contains("3 gram hit, 0 gram miss"));
        Assert.DoesNotContain(fixture.Messages, m => m.Contains("front miss"));
    }

    [Fact]
    public void GivenOneVariantsBudgetChangedOnlyThatVariantIsRewrittenAndTheGramMatricesAreCacheHits()
    {
        using var fixture = new PipelineFixture();
        fixture.Build();
        var before = Timestamps(fixture.Output);

        fixture.WriteSpec(PipelineFixture.FourVariants.Replace("budget: 0.25", "budget: 0.375"));
        var result = fixture.Build();

        var after = Timestamps(fixture.Output);
        var changed = after.Where(p => !before.TryGetValue(p.Key, out var t) || t != p.Value).Select(p => p.Key).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, path => Assert.True(path.Contains("ac-25") || path.StartsWith("summary"), path));
        Assert.Equal(["ac-25"], result.Rows.Where(r => r.Rebuilt).Select(r => r.Variant));
        Assert.Contains(fixture.Messages, m => m.Contains("3 gram hit, 0 gram miss"));
    }

    [Fact]
    public void GivenAVariantWhoseWeightsWereDeletedTheNextBuildWritesThemAgain()
    {
        using var fixture = new PipelineFixture();
        fixture.Build();
        var weights = Path.Combine(fixture.Output, "tiny", "ec-50", "model.safetensors");
        var expected = FolderSnapshot.HashFile(weights);
        File.Delete(weights);

        var result = fixture.Build();

        Assert.Equal(["ec-50"], result.Rows.Where(r => r.Rebuilt).Select(r => r.Variant));
        Assert.Equal(expected, FolderSnapshot.HashFile(weights));
    }

    [Fact]
    public void GivenACorruptCacheEntryTheBuildRecomputesItAndProducesTheSameCheckpoint()
    {
        using var fixture = new PipelineFixture();
        fixture.Build();
        // The stamp records modification times, which differ between two builds; the checkpoint must not.
        static Dictionary<string, string> Checkpoint(string folder) => FolderSnapshot.Of(folder).Where(f => f.Key != ".qcqa-build.json").ToDictionary();
        var first = Checkpoint(Path.Combine(fixture.Output, "tiny", "ac-50"));
        foreach (var entry in Directory.EnumerateFiles(fixture.Folder.Combine("cache"), "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(entry);
            bytes[^1] ^= 0xFF;
            File.WriteAllBytes(entry, bytes);
        }
        Directory.Delete(fixture.Output, recursive: true);

        fixture.Build();

        Assert.Equal(first, Checkpoint(Path.Combine(fixture.Output, "tiny", "ac-50")));
    }

    [Fact]
    public void GivenAnOutputNameThatLeavesTheOutputFolderItFailsAtThatNameAndWritesNothing()
    {
        using var fixture = new PipelineFixture("""
            models:
              - name: tiny
                path: model
                variants:
                  - name: escape
                    mode: gqa
                    budget: 0.5
                    output: ../../escaped
            """);

        var error = Assert.Throws<QcqaSpecException>(() => fixture.Build()).First;

        Assert.Equal(ErrorCodes.SpecBadValue, error.Code);
        Assert.Equal(Path.GetFullPath(fixture.SpecPath), error.File);
        Assert.Equal((8, 17), (error.Line, error.Column));
        Assert.Contains("'../../escaped'", error.Message);
        Assert.False(Directory.Exists(fixture.Folder.Combine("escaped")));
        Assert.False(Directory.Exists(fixture.Output));
    }

    [Fact]
    public void GivenABudgetThatPinsTooManyLayersItReportsQcqa030AtTheBudget()
    {
        using var fixture = new PipelineFixture("""
            models:
              - name: tiny
                path: model
                variants:
                  - name: pinned
                    mode: arbitrary
                    budget: { global: 0.4, keep_mha: [0, 1] }
            """);

        var error = Assert.ThrowsAny<Exception>(() => fixture.Build());

        var diagnostics = error is QcqaSpecException spec ? spec.ToQcqaExceptions() : [(QcqaException)error];
        var first = diagnostics[0];
        Assert.Equal(ErrorCodes.ImpossibleBudget, first.Code);
        Assert.Equal(Path.GetFullPath(fixture.SpecPath), first.File);
        Assert.Equal(7, first.Line);
        Assert.False(Directory.Exists(Path.Combine(fixture.Output, "tiny", "pinned")));
    }

    private static Dictionary<string, DateTime> Timestamps(string folder, string[]? except = null)
        => Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => (Path: Path.GetRelativePath(folder, f), Time: File.GetLastWriteTimeUtc(f)))
            .Where(p => except is null || !except.Contains(p.Path))
            .ToDictionary(p => p.Path, p => p.Time);
}

using System.Diagnostics;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;
using Xunit.Abstractions;

namespace Qcqa.Integration.Tests;

/// <summary>A build killed mid-way, and two builds sharing one content cache at once.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class RobustnessTests(ITestOutputHelper output)
{
    // A longer search than the other tests', so that the engine is still running when the test kills it.
    private static readonly string SlowSpec = FixtureSpecs.ThreeVariants.Replace(
        "{ population: 16, generations: 10, seed: 1 }", "{ population: 128, generations: 400, seed: 1 }", StringComparison.Ordinal);

    [Fact]
    public void GivenABuildKilledWhileTheEngineRunsTheNextBuildYieldsCompleteCorrectArtifacts()
    {
        using var parent = new TempFolder("kill");
        using var killed = new BuildFixtureProject(SlowSpec, parent.Combine("killed"));
        using var reference = new BuildFixtureProject(SlowSpec, parent.Combine("reference"));
        var expected = reference.Build();
        Assert.True(expected.Succeeded, expected.ToString());

        bool killedMidway;
        using (var build = killed.StartBuild())
        {
            Assert.True(build.WaitForLine(l => l.Contains("Running the QCQA engine", StringComparison.Ordinal), TimeSpan.FromMinutes(3)),
                "The engine never started:\n" + build.Output);
            // Kill once the engine has begun writing (a temporary folder or file under the output), or soon after it started.
            WaitUntil(() => Directory.Exists(killed.OutputFolder) && Directory.EnumerateFileSystemEntries(killed.OutputFolder, "*", SearchOption.AllDirectories).Any(),
                TimeSpan.FromSeconds(5));
            killedMidway = !build.HasExited;
            build.Kill();
        }
        output.WriteLine(killedMidway
            ? "Killed the build while the engine was running."
            : "The build had finished before the kill: this run only checked that a rebuild is correct.");

        var again = killed.Build("--no-restore");
        Assert.True(again.Succeeded, again.ToString());
        QcqaAssert.SameCheckpoints(FolderSnapshot.Take(reference.OutputFolder), FolderSnapshot.Take(killed.OutputFolder));
        foreach (var variant in BuildIncrementalityTests.Variants)
            Assert.Equal(FolderSnapshot.Take(Path.Combine(reference.OutputFolder, BuildIncrementalityTests.Model, variant)).Files.Keys,
                FolderSnapshot.Take(Path.Combine(killed.OutputFolder, BuildIncrementalityTests.Model, variant)).Files.Keys);
    }

    [Fact]
    public void GivenTwoBuildsSharingOneCacheAtOnceBothSucceedWithIdenticalResults()
    {
        using var parent = new TempFolder("shared");
        var cache = parent.Combine("shared-cache");
        var property = $"<QcqaCachePath>{cache}</QcqaCachePath>";
        using var a = new BuildFixtureProject(FixtureSpecs.ThreeVariants, parent.Combine("a"), property);
        using var b = new BuildFixtureProject(FixtureSpecs.ThreeVariants, parent.Combine("b"), property);
        // Restore first, so that the two engines overlap rather than the two restores.
        foreach (var project in new[] { a, b })
        {
            var restore = project.Build("-t:Restore");
            Assert.True(restore.Succeeded, restore.ToString());
        }

        using var runA = a.StartBuild("--no-restore");
        using var runB = b.StartBuild("--no-restore");
        var resultA = runA.WaitForExit(TimeSpan.FromMinutes(5));
        var resultB = runB.WaitForExit(TimeSpan.FromMinutes(5));

        Assert.True(resultA.Succeeded, resultA.ToString());
        Assert.True(resultB.Succeeded, resultB.ToString());
        foreach (var variant in BuildIncrementalityTests.Variants) QcqaAssert.IsCheckpoint(a.OutputFolder, BuildIncrementalityTests.Model, variant);
        QcqaAssert.SameCheckpoints(FolderSnapshot.Take(a.OutputFolder), FolderSnapshot.Take(b.OutputFolder));
        Assert.NotEmpty(Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories));
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout) Thread.Sleep(20);
    }
}

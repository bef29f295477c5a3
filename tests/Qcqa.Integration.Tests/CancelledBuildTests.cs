using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;
using Xunit.Abstractions;

namespace Qcqa.Integration.Tests;

/// <summary>
/// A `dotnet build` interrupted as Ctrl-C interrupts it while the engine works: it deletes nothing the previous build
/// produced, leaves no temporary or partial file in the output folder or the cache, stops the engine, and the next
/// build completes the work.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class CancelledBuildTests(ITestOutputHelper output)
{
    private const int Sigint = 2;

    // A variant whose search runs long enough (tens of seconds here) for the interrupt to land while the engine works.
    private const string SlowVariant = "      - { name: slow, mode: arbitrary, budget: 0.25, search: { population: 512, generations: 3000, seed: 5 } }\n";

    /// <summary>
    /// <paramref name="likeATerminal"/>: the signal reaches the build and the engine, as a terminal sends Ctrl-C to its
    /// whole foreground process group; otherwise only the build (MSBuild cancels the task, which must stop the engine).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GivenABuildInterruptedWhileTheEngineRunsNothingIsDeletedNothingPartialIsLeftAndTheNextBuildCompletes(bool likeATerminal)
    {
        if (!OperatingSystem.IsLinux() || !PosixProcesses.CanResetSigint) return; // POSIX signals and /proc
        using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants);
        var first = project.Build();
        Assert.True(first.Succeeded, first.ToString());
        var outputsBefore = FolderSnapshot.Take(project.OutputFolder);
        var cacheBefore = FolderSnapshot.Take(project.CacheFolder);
        var foldersBefore = Folders(project.OutputFolder);

        // One more variant: the next build must search and merge it, and must not touch the other three.
        project.WriteSpec(FixtureSpecs.ThreeVariants + "\n" + SlowVariant);
        ProcessResult cancelled;
        using (var build = project.StartInterruptibleBuild("--no-restore"))
        {
            Assert.True(build.WaitForLine(l => l.Contains("QCQA search tiny/slow", StringComparison.Ordinal), TimeSpan.FromMinutes(3)),
                "The engine never started the slow variant's search:\n" + build.Output);
            var engines = PosixProcesses.WithArgument(project.SpecPath);
            Assert.NotEmpty(engines);
            Assert.False(build.HasExited, "The build finished before it could be interrupted:\n" + build.Output);
            build.Signal(Sigint);
            if (likeATerminal)
            {
                foreach (var engine in engines) RunningProcess.SendSignal(engine, Sigint);
            }
            cancelled = build.WaitForExit(TimeSpan.FromMinutes(2));
        }
        output.WriteLine(cancelled.Output);

        Assert.False(cancelled.Succeeded, cancelled.ToString());
        Assert.Empty(PosixProcesses.WithArgument(project.SpecPath)); // the engine is gone with the build
        // The engine stopped at a safe point and removed its temporaries (it was not killed outright).
        Assert.Contains(cancelled.Lines, l => l.Contains("QCQA005", StringComparison.Ordinal));
        Assert.Empty(FolderSnapshot.Take(project.OutputFolder).ChangedSince(outputsBefore)); // byte for byte, timestamps too
        Assert.Equal(foldersBefore, Folders(project.OutputFolder));
        Assert.Empty(Leftovers(project.OutputFolder));
        Assert.Empty(Leftovers(project.CacheFolder));
        Assert.Empty(Leftovers(Path.Combine(project.Root, "obj")));
        // The cache only gained whole entries (e.g. the slow variant's statistics are the same as the others').
        var cacheAfter = FolderSnapshot.Take(project.CacheFolder);
        Assert.All(cacheBefore.Files, f => Assert.Equal(f.Value, cacheAfter.Files[f.Key]));

        var next = project.Build("--no-restore");
        Assert.True(next.Succeeded, next.ToString());
        foreach (var variant in BuildIncrementalityTests.Variants.Append("slow")) QcqaAssert.IsCheckpoint(project.OutputFolder, BuildIncrementalityTests.Model, variant);
        var outputsAfter = FolderSnapshot.Take(project.OutputFolder);
        foreach (var variant in BuildIncrementalityTests.Variants)
            Assert.Equal(outputsBefore.Under($"{BuildIncrementalityTests.Model}/{variant}"), outputsAfter.Under($"{BuildIncrementalityTests.Model}/{variant}"));
        Assert.Empty(Leftovers(project.OutputFolder));
        Assert.Empty(Leftovers(project.CacheFolder));
    }

    private static string[] Folders(string root)
        => Directory.Exists(root) ? Directory.GetDirectories(root, "*", SearchOption.AllDirectories).Select(d => Path.GetRelativePath(root, d)).Order(StringComparer.Ordinal).ToArray() : [];

    // Owned temporaries (".tmp-<pid>-…", moved-aside ".old-<pid>-…") and anything else that looks half-written.
    private static string[] Leftovers(string root)
        => Directory.Exists(root)
            ? Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Where(p => Path.GetFileName(p) is var name && (name.Contains(".tmp-", StringComparison.Ordinal) || name.Contains(".old-", StringComparison.Ordinal)
                    || name.EndsWith(".tmp", StringComparison.Ordinal) || name.EndsWith(".partial", StringComparison.Ordinal)))
                .ToArray()
            : [];
}

using System.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Xunit.Abstractions;

namespace Qcqa.Cli.Tests.Signals;

/// <summary>
/// Faults while the tool writes: SIGINT and SIGTERM during a merge and during a build stop it cleanly (a QCQA005 line,
/// exit code 130 or 143, no temporary folder, no output), also when SIGTERM follows SIGINT (Ctrl-C in a build); SIGKILL leaves a temporary folder that the next run removes
/// before producing the same bytes as an uninterrupted run. The model is large enough (about 300 MB) that the signal
/// lands while the output is being written.
/// </summary>
public sealed class SignalTests(ITestOutputHelper log) : IDisposable
{
    private const int Sigint = 2, Sigkill = 9, Sigterm = 15;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(Sigint, 130)]
    [InlineData(Sigterm, 143)]
    public void GivenASignalDuringAMergeItStopsCleanlyAndSaysSo(int signal, int exitCode)
    {
        if (!OperatingSystem.IsLinux()) return; // POSIX signals
        var (model, grouping) = BigModel();
        var output = _temp.Combine("out");

        using var merge = EngineProcess.Start("merge", model, "--grouping", grouping, "--out", output);
        WaitForTemporary(merge, _temp.Path, "out.tmp-");
        merge.Signal(signal);

        Assert.Equal(exitCode, merge.WaitForExit(TimeSpan.FromMinutes(1)));
        log.WriteLine(merge.Error);
        Assert.Contains("error QCQA005: Cancelled by", merge.Error);
        Assert.DoesNotContain("   at ", merge.Error);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Leftovers());
    }

    [Theory]
    [InlineData(Sigint, 130)]
    [InlineData(Sigterm, 143)]
    public void GivenASignalDuringABuildItStopsCleanlyAndSaysSo(int signal, int exitCode)
    {
        if (!OperatingSystem.IsLinux()) return;
        var (model, _) = BigModel();
        var spec = _temp.Combine("qcqa.yaml");
        // The mean merge keeps this test about signals: nothing but the 400 MB write stands between the start and the
        // moment the signal arrives (the aligned merge adds libtorch work whose length depends on the machine's load).
        File.WriteAllText(spec, $"models:\n  - path: {Path.GetFileName(model)}\n    name: big\n    variants:\n      - {{ name: gqa-50, mode: gqa, budget: 0.5, merge: mean }}\n");
        var output = _temp.Combine("out");

        using var build = EngineProcess.Start("build", spec, "--out", output);
        WaitForTemporary(build, Path.Combine(output, "big"), "gqa-50.tmp-");
        build.Signal(signal);

        Assert.Equal(exitCode, build.WaitForExit(TimeSpan.FromMinutes(1)));
        log.WriteLine(build.Error);
        Assert.Contains("error QCQA005: Cancelled by", build.Error);
        Assert.DoesNotContain("   at ", build.Error);
        Assert.Empty(Directory.Exists(output) ? Directory.EnumerateFileSystemEntries(output, "*.tmp-*", SearchOption.AllDirectories) : []);
        Assert.False(Directory.Exists(Path.Combine(output, "big", "gqa-50")));
    }

    [Fact]
    public void GivenSigintThenSigtermAsCtrlCInABuildGivesTheEngineTheStopIsNotCutShort()
    {
        // A terminal's Ctrl-C reaches `dotnet build` and the engine; the build task then sends SIGTERM. Only the same
        // signal twice terminates at once.
        if (!OperatingSystem.IsLinux()) return;
        var (model, grouping) = BigModel();
        var output = _temp.Combine("out");

        using var merge = EngineProcess.Start("merge", model, "--grouping", grouping, "--out", output);
        WaitForTemporary(merge, _temp.Path, "out.tmp-");
        merge.Signal(Sigint);
        merge.Signal(Sigterm);

        // .NET may run the two handlers in either order: whichever came first names the stop.
        Assert.Contains(merge.WaitForExit(TimeSpan.FromMinutes(1)), new[] { 130, 143 });
        Assert.Contains("error QCQA005: Cancelled by SIG", merge.Error); // not terminated by the default action
        Assert.DoesNotContain("   at ", merge.Error);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void GivenAMergeKilledOutrightTheNextRunRemovesItsLeftoversAndWritesTheSameBytes()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (model, grouping) = BigModel();
        var reference = _temp.Combine("reference");
        using (var clean = EngineProcess.Start("merge", model, "--grouping", grouping, "--out", reference))
            Assert.True(clean.WaitForExit(TimeSpan.FromMinutes(2)) == 0, clean.Error);
        var output = _temp.Combine("out");

        using (var killed = EngineProcess.Start("merge", model, "--grouping", grouping, "--out", output))
        {
            WaitForTemporary(killed, _temp.Path, "out.tmp-");
            killed.Signal(Sigkill);
            Assert.Equal(137, killed.WaitForExit(TimeSpan.FromMinutes(1)));
        }
        Assert.NotEmpty(Directory.EnumerateDirectories(_temp.Path, "out.tmp-*")); // the leftover a killed run cannot avoid

        using (var again = EngineProcess.Start("merge", model, "--grouping", grouping, "--out", output))
            Assert.True(again.WaitForExit(TimeSpan.FromMinutes(2)) == 0, again.Error);

        Assert.Empty(Leftovers());
        Assert.Equal(FolderSnapshot.Of(reference), FolderSnapshot.Of(output));
    }

    // Temporary and moved-aside folders beside the output ("out.*" would also match "out" itself).
    private IEnumerable<string> Leftovers()
        => Directory.EnumerateFileSystemEntries(_temp.Path, "out.tmp-*").Concat(Directory.EnumerateFileSystemEntries(_temp.Path, "out.old-*"));

    // 6 layers of 32 heads of 64, width 2048, attention only: about 400 MB of F32 weights.
    private (string Model, string Grouping) BigModel()
    {
        var model = _temp.Combine("model");
        SyntheticLlamaCheckpoint.Write(model, new SyntheticCheckpointOptions
        {
            Layers = 6, Heads = 32, HeadDim = 64, Hidden = 2048, Intermediate = 64, Vocab = 32, AttentionOnly = true,
        });
        var grouping = _temp.Combine("grouping.json");
        GroupingFile.Write(grouping, ModelGrouping.Uniform(GroupingMode.Gqa, 6, LayerGrouping.Gqa(32, 16)));
        return (model, grouping);
    }

    private static void WaitForTemporary(EngineProcess process, string folder, string prefix)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder, prefix + "*").Any()) return;
            Assert.False(process.HasExited, "the tool finished before it could be signalled:\n" + process.Error);
            Thread.Sleep(5);
        }
        Assert.Fail("no temporary output appeared:\n" + process.Error);
    }
}

using Qcqa.Fuzz;
using Xunit.Abstractions;

namespace Qcqa.Core.Tests.Fuzz;

/// <summary>
/// CI's fuzz smoke: 10,000 executions of every target of the harness (tests/Qcqa.Fuzz), seed corpus first, with a
/// fixed seed so that a failure replays. No input may throw anything but the engine's user errors, and none may hang
/// (30 s: a hang detector, not a speed test — test machines are shared, so the 1 s bound of the issue is checked by the
/// long runs, 10^6 per target, which use the same engine from the command line; see the harness's README).
/// </summary>
public sealed class FuzzSmokeTests(ITestOutputHelper output)
{
    private const long Executions = 10_000;

    public static TheoryData<string> TargetNames => new(Targets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void GivenTenThousandFuzzedInputsTheReaderNeverCrashesNorHangs(string name)
    {
        var target = Targets.All.Single(t => t.Name == name);
        var seeds = SeedCorpus.Load(SeedCorpus.DefaultRoot, name);
        Assert.NotEmpty(seeds);

        var report = new FuzzEngine(target, seed: 1, TimeSpan.FromSeconds(30)).Run(Executions, seeds);

        output.WriteLine(report.ToString());
        Assert.True(report.Findings.Count == 0, string.Join("\n\n", report.Findings.Select(f => f.Problem)));
        Assert.True(report.Outcomes > 5, $"only {report.Outcomes} distinct outcomes: the fuzzer is not reaching the reader's checks");
    }

    [Fact]
    public void GivenAReaderThatCrashesTheEngineReportsAFinding()
    {
        // Guards the smoke above: an engine that swallowed crashes would pass it vacuously.
        var crashing = new FuzzTarget("crash-on-brace", input => input.Contains((byte)'{') ? throw new InvalidOperationException("boom") : "ok",
            [[(byte)'{']], _ => [(byte)'a']);

        var report = new FuzzEngine(crashing, seed: 1, TimeSpan.FromSeconds(1)).Run(200, [[(byte)'x']]);

        var finding = Assert.Single(report.Findings);
        Assert.Contains("boom", finding.Problem);
    }
}

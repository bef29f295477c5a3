using System.Globalization;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Benchmarks.Build;

/// <summary>
/// Wall time of real `dotnet build` runs (node reuse and the compiler server off, as in the integration tests, so
/// nothing outlives the run): a no-op build of the QCQA fixture project next to a no-op build of an empty project
/// (what QcqaBuild adds when nothing changed), and a build after one variant's budget was edited next to a cold
/// build (what the content cache saves). The fixture is the integration tests' one: a synthetic 4-layer model and
/// three variants (gqa, ec, ac) at budget 0.5, engine and tasks from src/.
/// </summary>
public sealed class NoOpBuildBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "build-noop";

    /// <inheritdoc />
    public string Description => "dotnet build wall time: QCQA no-op vs empty-project no-op; one edited variant vs cold build [--runs N]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        Console.WriteLine($"each figure: median of {runs} builds; `dotnet build -nodeReuse:false -p:UseSharedCompilation=false`");

        using var folder = new TempFolder("bench");
        var empty = folder.Write(Path.Combine("empty", "Empty.csproj"),
            "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>");
        var emptyFolder = Path.GetDirectoryName(empty)!;
        Check(Time(emptyFolder, "Empty.csproj", restore: true));
        var emptyNoOp = Median(runs, () => Time(emptyFolder, "Empty.csproj"));
        Row("empty project, no-op build", emptyNoOp);

        var colds = new List<TimeSpan>();
        var noOps = new List<TimeSpan>();
        var edits = new List<TimeSpan>();
        for (var run = 0; run < runs; run++)
        {
            // A fresh project each round: the cold build has no outputs and an empty cache.
            using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants, folder.Combine($"fixture{run}"));
            Check(project.Build("-t:Restore"));
            colds.Add(Check(project.Build("--no-restore", "-v:q")).Duration);
            noOps.Add(Check(project.Build("--no-restore", "-v:q")).Duration);
            project.WriteSpec(FixtureSpecs.ThreeVariants.Replace("{ name: ac, mode: arbitrary, budget: 0.5 }", "{ name: ac, mode: arbitrary, budget: 0.25 }", StringComparison.Ordinal));
            edits.Add(Check(project.Build("--no-restore", "-v:q")).Duration);
        }
        Row("QCQA fixture, no-op build", Median(noOps));
        Row("QCQA fixture, cold build", Median(colds));
        Row("QCQA fixture, one variant edited", Median(edits));
        Console.WriteLine($"no-op overhead of QcqaBuild: {(Median(noOps) - emptyNoOp).TotalSeconds:+0.00;-0.00} s; edited/cold: {Median(edits) / Median(colds):P0}");
    }

    private static ProcessResult Time(string folder, string project, bool restore = false)
        => ProcessRunner.Run(Dotnet.Command(folder, ["build", project, "-v:q", .. Dotnet.BuildSwitches, .. restore ? Array.Empty<string>() : ["--no-restore"]]),
            TimeSpan.FromMinutes(10));

    private static ProcessResult Check(ProcessResult result)
        => result.Succeeded ? result : throw new InvalidOperationException("A build failed: " + result);

    private static TimeSpan Median(int runs, Func<ProcessResult> build) => Median(Enumerable.Range(0, runs).Select(_ => Check(build()).Duration).ToList());

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static void Row(string what, TimeSpan time) => Console.WriteLine($"  {what,-36} {time.TotalSeconds,7:F2} s");
}

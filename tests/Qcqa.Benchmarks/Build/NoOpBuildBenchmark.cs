using System.Globalization;
using System.Text.RegularExpressions;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Benchmarks.Build;

/// <summary>
/// Wall time of real `dotnet build` runs (node reuse and the compiler server off, as in the integration tests, so
/// nothing outlives the run). First what QcqaBuild adds to a no-op build: a project referencing the packed
/// QcqaBuild package with a two-variant spec (no evaluation) next to the same project with QcqaEnabled=false,
/// built alternately, with where the time goes (restore, evaluation, the QCQA targets, IncrementalClean) from
/// MSBuild's performance summary. Then what the content cache saves: a build after one variant's budget was
/// edited next to a cold build of the in-repo fixture project.
/// </summary>
public sealed class NoOpBuildBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "build-noop";

    /// <inheritdoc />
    public string Description => "dotnet build wall time: package consumer no-op vs QcqaEnabled=false no-op; one edited variant vs cold build; " +
                                 "the sample's no-op build right after a QcqaEnabled=false build vs that build [--runs N] [--only sample]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var runs = 7;
        var onlySample = false;
        for (var a = 0; a < args.Length; a++)
        {
            if (args[a] == "--runs") runs = int.Parse(args[++a], CultureInfo.InvariantCulture);
            else if (args[a] == "--only" && args[++a] == "sample") onlySample = true;
            else throw new ArgumentException($"Unknown argument '{args[a]}'.");
        }
        Console.WriteLine($"each figure: median of {runs} builds; `dotnet build -nodeReuse:false -p:UseSharedCompilation=false -v:q`");
        Console.WriteLine($"load average before: {LoadAverage()}");
        using var folder = new TempFolder("bench");
        if (!onlySample)
        {
            NoOp(folder, runs);
            EditedAndCold(folder, Math.Max(1, runs / 2));
        }
        SampleAfterQcqaOff(runs);
        Console.WriteLine($"load average after: {LoadAverage()}");
    }

    private static void NoOp(TempFolder folder, int runs)
    {
        using var packages = LocalPackages.Pack(includeTool: false);
        var enabled = Consumer(folder, packages, "enabled", qcqaEnabled: null);
        var disabled = Consumer(folder, packages, "disabled", qcqaEnabled: false);
        foreach (var project in new[] { enabled, disabled }) Check(Build(project, "-v:q")); // restore and the first (cold) build
        foreach (var project in new[] { enabled, disabled }) Check(Build(project, "-v:q")); // warm the file system cache

        var times = new Dictionary<string, List<TimeSpan>> { [enabled] = [], [disabled] = [] };
        for (var run = 0; run < runs; run++)
            foreach (var project in run % 2 == 0 ? new[] { enabled, disabled } : [disabled, enabled])
                times[project].Add(Check(Build(project, "-v:q")).Duration);
        var on = Median(times[enabled]);
        var off = Median(times[disabled]);
        Console.WriteLine("package consumer (QcqaBuild package reference, two variants, no evaluation), no-op build:");
        Row("QCQA enabled", on);
        Row("QcqaEnabled=false", off);
        Console.WriteLine($"  overhead of QcqaBuild on a no-op build: {(on - off).TotalSeconds:+0.00;-0.00} s ({(on - off) / off:+0.0%;-0.0%})");

        Console.WriteLine("where a no-op build's time goes (MSBuild performance summary of one more build each, ms):");
        var enabledSummary = Summary(Check(Build(enabled, "-v:q", "-clp:PerformanceSummary")).Output);
        var disabledSummary = Summary(Check(Build(disabled, "-v:q", "-clp:PerformanceSummary")).Output);
        foreach (var key in enabledSummary.Keys.Union(disabledSummary.Keys).OrderBy(k => k, StringComparer.Ordinal))
            Console.WriteLine($"  {key,-46} {enabledSummary.GetValueOrDefault(key),8:F0} {disabledSummary.GetValueOrDefault(key),8:F0}");
    }

    private static void EditedAndCold(TempFolder folder, int runs)
    {
        var colds = new List<TimeSpan>();
        var edits = new List<TimeSpan>();
        for (var run = 0; run < runs; run++)
        {
            // A fresh project each round: the cold build has no outputs and an empty cache.
            using var project = new BuildFixtureProject(FixtureSpecs.ThreeVariants, folder.Combine($"fixture{run}"));
            Check(project.Build("-t:Restore"));
            colds.Add(Check(project.Build("--no-restore", "-v:q")).Duration);
            project.WriteSpec(FixtureSpecs.ThreeVariants.Replace("{ name: ac, mode: arbitrary, budget: 0.5 }", "{ name: ac, mode: arbitrary, budget: 0.25 }", StringComparison.Ordinal));
            edits.Add(Check(project.Build("--no-restore", "-v:q")).Duration);
        }
        Console.WriteLine($"in-repo fixture project (three variants), median of {runs}:");
        Row("cold build", Median(colds));
        Row("one variant's budget edited", Median(edits));
        Console.WriteLine($"  edited/cold: {Median(edits) / Median(colds):P0}");
    }

    // Issue 17's case on the real sample: a build with QCQA off must not delete the checkpoints (MSBuild's incremental
    // clean did), so the ordinary build right after it is a no-op, not a rewrite of every variant. Alternating the two
    // builds measures both; the first, untimed build brings the sample up to date (all of its pipeline if it never ran).
    private static void SampleAfterQcqaOff(int runs)
    {
        var sample = RepositoryLayout.Combine("samples", "QcqaSample");
        Console.WriteLine($"sample {sample}: bringing it up to date (its whole pipeline if it never ran here)");
        Check(Build(sample, "-v:q"));
        var off = new List<TimeSpan>();
        var after = new List<TimeSpan>();
        for (var run = 0; run < runs; run++)
        {
            off.Add(Check(Build(sample, "-v:q", "-p:QcqaEnabled=false")).Duration);
            var result = Check(Build(sample, "-v:q"));
            after.Add(result.Duration);
            if (result.Output.Contains("variants written", StringComparison.Ordinal) && !result.Output.Contains(" 0 variants written", StringComparison.Ordinal))
                Console.WriteLine("  warning: the build after QCQA off wrote variants again");
        }
        Console.WriteLine($"sample (samples/QcqaSample), median of {runs} alternating builds:");
        Row("QcqaEnabled=false", Median(off));
        Row("no-op build right after it", Median(after));
        Console.WriteLine($"  after-off/off: {Median(after) / Median(off):P0} (target within 10 %)");
    }

    // A project referencing the package, with the spec and a small synthetic model, in a folder of its own.
    private static string Consumer(TempFolder folder, LocalPackages packages, string name, bool? qcqaEnabled)
    {
        var root = folder.Combine(name);
        folder.Write(Path.Combine(name, "nuget.config"), packages.NuGetConfig(Path.Combine(root, "packages")));
        folder.Write(Path.Combine(name, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                {(qcqaEnabled is false ? "<QcqaEnabled>false</QcqaEnabled>" : "")}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{LocalPackages.BuildPackageId}" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        folder.Write(Path.Combine(name, "qcqa.yaml"), FixtureSpecs.TwoVariants);
        SyntheticModels.Write(Path.Combine(root, "model"));
        return root;
    }

    // Restore, evaluation, every target or task named like QCQA, and IncrementalClean's, summed per name.
    private static SortedDictionary<string, double> Summary(string output)
    {
        var figures = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var section = "";
        foreach (var line in output.Split('\n'))
        {
            if (line.Contains("Performance Summary:", StringComparison.Ordinal))
            {
                section = line.Trim().Split(' ')[0].ToLowerInvariant();
                continue;
            }
            var match = Regex.Match(line, @"^\s*(\d+) ms\s+(\S+)");
            if (!match.Success) continue;
            var name = match.Groups[2].Value;
            var keep = section == "project" && name.EndsWith(".csproj", StringComparison.Ordinal)
                       || name is "Restore" or "RestoreTask" or "IncrementalClean" or "_CleanGetCurrentAndPriorFileWrites"
                       || name.Contains("Qcqa", StringComparison.OrdinalIgnoreCase);
            if (!keep) continue;
            var key = $"{section} {(name.EndsWith(".csproj", StringComparison.Ordinal) ? Path.GetFileName(name) : name)}";
            figures[key] = figures.GetValueOrDefault(key) + double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return figures;
    }

    private static ProcessResult Build(string project, params string[] switches)
        => ProcessRunner.Run(Dotnet.Command(project, ["build", .. switches, .. Dotnet.BuildSwitches]), TimeSpan.FromMinutes(10));

    private static ProcessResult Check(ProcessResult result)
        => result.Succeeded ? result : throw new InvalidOperationException("A build failed: " + result);

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static void Row(string what, TimeSpan time) => Console.WriteLine($"  {what,-36} {time.TotalSeconds,7:F2} s");

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

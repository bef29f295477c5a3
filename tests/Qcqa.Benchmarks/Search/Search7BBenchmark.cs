using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Qcqa.Core.Allocation;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Search;
using Qcqa.Core.Synthetic;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;

namespace Qcqa.Benchmarks.Search;

/// <summary>
/// `dotnet qcqa search` end to end on a Llama-2-7B-shaped BF16 checkpoint (32 layers × 32 heads of 128, width 4096:
/// 2 GB of K/V), as a user runs it (a fresh `dotnet exec` of the engine each time), split into start-up, reading
/// and Gram, stage 1 and stage 2 from the engine's <c>--timings</c>, next to `cat` reading the same file, and
/// stage 2 at four budgets.
/// </summary>
public sealed class Search7BBenchmark : IBenchmark
{
    private static readonly double[] Budgets = [0.25, 0.375, 0.5, 0.75];

    /// <inheritdoc />
    public string Name => "search-7b";

    /// <inheritdoc />
    public string Description => "search end to end on a Llama-2-7B-shaped BF16 checkpoint: start-up, read, Gram, stage 1, stage 2 vs cat [model-dir] [--runs N] [--baseline engine.dll]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var runs = 3;
        string? model = null;
        string? baseline = null; // another build of the engine (e.g. main's), run alternately with this one under the same load
        for (var a = 0; a < args.Length; a++)
        {
            if (args[a] == "--runs") runs = int.Parse(args[++a], CultureInfo.InvariantCulture);
            else if (args[a] == "--baseline") baseline = Path.GetFullPath(args[++a]);
            else model = args[a];
        }
        using var folder = new TempFolder("search7b");
        if (model is null)
        {
            model = folder.Combine("llama2-7b-attention");
            Console.WriteLine($"writing a synthetic Llama-2-7B-shaped checkpoint (attention only, 4.3 GB) to {model}; it is deleted afterwards");
            SyntheticLlamaCheckpoint.Write(model, SyntheticCheckpointOptions.Llama2_7BAttentionOnly);
        }

        var weights = Directory.GetFiles(model, "*.safetensors");
        var fileBytes = weights.Sum(f => new FileInfo(f).Length);
        var cat = Median(Enumerable.Range(0, runs).Select(_ => Cat(weights)).ToList());
        long kvBytes;
        using (var checkpoint = Checkpoint.Open(model))
            kvBytes = Enumerable.Range(0, checkpoint.LayerCount).Sum(l => checkpoint.Attention(l).Key.ByteLength + checkpoint.Attention(l).Value.ByteLength);
        var catKv = TimeSpan.FromSeconds(cat.TotalSeconds * kvBytes / fileBytes);
        Console.WriteLine($"cat of the weight files ({fileBytes / 1e9:F2} GB) > /dev/null: {cat.TotalSeconds:F2} s, {fileBytes / 1e9 / cat.TotalSeconds:F1} GB/s " +
                          $"-> the K/V bytes ({kvBytes / 1e9:F2} GB) at that speed: {catKv.TotalSeconds:F2} s");
        Console.WriteLine($"engine: {RepositoryLayout.EnginePath}; each figure the median of {runs} runs; load average before: {LoadAverage()}");

        var rows = new List<(TimeSpan Wall, Timings T)>();
        var baselineWalls = new List<TimeSpan>();
        var fronts = folder.Combine("fronts.json");
        for (var run = 0; run < runs; run++)
        {
            if (baseline is not null)
            {
                var clockBaseline = Stopwatch.StartNew();
                var old = ProcessRunner.Run(Dotnet.Command(folder.Path, ["exec", baseline, "search", model, "--mode", "arbitrary", "--kv-budget", "0.5"]), TimeSpan.FromMinutes(10));
                if (!old.Succeeded) throw new InvalidOperationException("baseline search failed: " + old);
                baselineWalls.Add(clockBaseline.Elapsed);
            }
            var timings = folder.Combine($"timings{run}.json");
            var start = Stopwatch.StartNew();
            var result = ProcessRunner.Run(Dotnet.Command(folder.Path,
                ["exec", RepositoryLayout.EnginePath, "search", model, "--mode", "arbitrary", "--kv-budget", "0.5", "--timings", timings,
                 .. run == 0 ? new[] { "--fronts", fronts } : []]), TimeSpan.FromMinutes(10));
            var wall = start.Elapsed;
            if (!result.Succeeded) throw new InvalidOperationException("search failed: " + result);
            rows.Add((wall, JsonSerializer.Deserialize<Timings>(File.ReadAllText(timings), JsonOptions)!));
        }

        TimeSpan M(Func<(TimeSpan Wall, Timings T), double> pick) => TimeSpan.FromSeconds(rows.Select(pick).Order().ElementAt(rows.Count / 2));
        var statistics = M(r => r.T.StatisticsSeconds);
        Console.WriteLine($"  {"start-up (process start to command)",-44} {M(r => r.T.StartUpSeconds).TotalSeconds,7:F2} s");
        Console.WriteLine($"  {"statistics (read + Gram, overlapped)",-44} {statistics.TotalSeconds,7:F2} s   ({kvBytes / 1e9 / statistics.TotalSeconds:F1} GB/s; cat: {catKv.TotalSeconds:F2} s)");
        Console.WriteLine($"    {"read (reader thread busy)",-42} {M(r => r.T.ReadSeconds).TotalSeconds,7:F2} s");
        Console.WriteLine($"    {"Gram (computing, summed over threads)",-42} {M(r => r.T.GramSeconds).TotalSeconds,7:F2} s   on {rows[0].T.StatisticsThreads} threads");
        Console.WriteLine($"    {"processor time (all threads)",-42} {M(r => r.T.StatisticsCpuSeconds).TotalSeconds,7:F2} s");
        Console.WriteLine($"  {"stage 1 (search, arbitrary)",-44} {M(r => r.T.Stage1Seconds).TotalSeconds,7:F2} s");
        Console.WriteLine($"    {"processor time (all threads)",-42} {M(r => r.T.Stage1CpuSeconds).TotalSeconds,7:F2} s");
        Console.WriteLine($"  {"stage 2 (one budget)",-44} {M(r => r.T.Stage2Seconds).TotalSeconds,7:F2} s");
        var endToEnd = M(r => r.Wall.TotalSeconds);
        Console.WriteLine($"  {"end to end, one budget (wall)",-44} {endToEnd.TotalSeconds,7:F2} s");
        var cpu = M(r => r.T.TotalCpuSeconds);
        var cores = Math.Min(Environment.ProcessorCount, rows[0].T.StatisticsThreads);
        Console.WriteLine($"  {"processor time of the engine process",-44} {cpu.TotalSeconds,7:F2} s   " +
                          $"(on an idle machine with {cores} cores: at least {(M(r => r.T.StartUpSeconds) + (cpu - M(r => r.T.StartUpSeconds)) / cores).TotalSeconds:F2} s)");
        if (baseline is not null)
            Console.WriteLine($"  {"baseline end to end, one budget (wall)",-44} {Median(baselineWalls).TotalSeconds,7:F2} s   ({baseline}, runs alternating with the above)");

        // Stage 2 at four budgets on the fronts of the first run: what a build with four variants adds to one search.
        var frontList = FrontsFile.Parse(File.ReadAllText(fronts));
        var clock = Stopwatch.StartNew();
        foreach (var budget in Budgets) KvAllocator.Allocate(frontList, KvBudget.Global(budget));
        var four = clock.Elapsed;
        Console.WriteLine($"  {"stage 2 at four budgets (in process)",-44} {four.TotalSeconds,7:F2} s   ({string.Join(", ", Budgets)})");
        Console.WriteLine($"  {"end to end, four budgets (estimate)",-44} {(endToEnd - M(r => r.T.Stage2Seconds) + four).TotalSeconds,7:F2} s");
        Console.WriteLine($"load average after: {LoadAverage()}");
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static TimeSpan Cat(string[] files)
    {
        var start = new ProcessStartInfo("sh", ["-c", "cat \"$@\" > /dev/null", "cat", .. files]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException("cat failed: " + process.StandardError.ReadToEnd());
        return clock.Elapsed;
    }

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private sealed record Timings(
        double StartUpSeconds, double StatisticsSeconds, double ReadSeconds, double GramSeconds, long BytesRead,
        int StatisticsThreads, double StatisticsCpuSeconds, double Stage1Seconds, double Stage1CpuSeconds, double Stage2Seconds,
        double SearchSeconds, double TotalCpuSeconds);
}

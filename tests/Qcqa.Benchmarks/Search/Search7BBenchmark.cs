using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Qcqa.Core.Allocation;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Synthetic;
using Qcqa.Integration.Tests.TestSupport;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Alignment;

namespace Qcqa.Benchmarks.Search;

/// <summary>
/// `dotnet qcqa search` end to end on a Llama-2-7B-shaped BF16 checkpoint (32 layers × 32 heads of 128, width 4096:
/// 2 GB of K/V), as a user runs it (a fresh `dotnet exec` of the engine each time), split into start-up, reading
/// and Gram, the aligned fitness, stage 1 and stage 2 from the engine's <c>--timings</c>, next to `cat` reading the
/// same file, and stage 2 at four budgets. The plain-WSE search (<c>--fitness wse</c>) and the aligned-fitness search
/// (<c>--fitness aligned</c>, no calibration text) run alternately under the same load, and their wall and processor
/// times are printed side by side with the ratio aligned / WSE (the issue's target: at most 1.5 end to end).
/// </summary>
public sealed class Search7BBenchmark : IBenchmark
{
    private static readonly double[] Budgets = [0.25, 0.375, 0.5, 0.75];
    private const double TargetRatio = 1.5;

    /// <inheritdoc />
    public string Name => "search-7b";

    /// <inheritdoc />
    public string Description => "search end to end on a Llama-2-7B-shaped BF16 checkpoint, --fitness wse vs aligned: start-up, read, Gram, fitness, stage 1, stage 2 vs cat " +
                                 "[model-dir] [--runs N] [--aligned-runs M] [--aligned-timeout MIN] [--baseline engine.dll]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var runs = 3;
        var alignedRuns = 1; // an aligned search of a 7B model takes minutes, not seconds
        var alignedTimeout = TimeSpan.FromMinutes(15);
        string? model = null;
        string? baseline = null; // another build of the engine (e.g. main's), run alternately with this one under the same load
        for (var a = 0; a < args.Length; a++)
        {
            if (args[a] == "--runs") runs = int.Parse(args[++a], CultureInfo.InvariantCulture);
            else if (args[a] == "--aligned-runs") alignedRuns = int.Parse(args[++a], CultureInfo.InvariantCulture);
            else if (args[a] == "--aligned-timeout") alignedTimeout = TimeSpan.FromMinutes(double.Parse(args[++a], CultureInfo.InvariantCulture));
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
        var cat = Median(Enumerable.Range(0, Math.Max(runs, 1)).Select(_ => Cat(weights)).ToList());
        long kvBytes;
        int layers;
        using (var checkpoint = Checkpoint.Open(model))
        {
            layers = checkpoint.LayerCount;
            kvBytes = Enumerable.Range(0, layers).Sum(l => checkpoint.Attention(l).Key.ByteLength + checkpoint.Attention(l).Value.ByteLength);
        }
        var catKv = TimeSpan.FromSeconds(cat.TotalSeconds * kvBytes / fileBytes);
        Console.WriteLine($"cat of the weight files ({fileBytes / 1e9:F2} GB) > /dev/null: {cat.TotalSeconds:F2} s, {fileBytes / 1e9 / cat.TotalSeconds:F1} GB/s " +
                          $"-> the K/V bytes ({kvBytes / 1e9:F2} GB) at that speed: {catKv.TotalSeconds:F2} s");
        Console.WriteLine($"engine: {RepositoryLayout.EnginePath}; load average before: {LoadAverage()}");
        Console.WriteLine($"runs: {runs} with --fitness wse, {alignedRuns} with --fitness aligned (no calibration text; fewer by default because each takes minutes), " +
                          $"alternating; each figure the median of its runs; an aligned run is stopped after {alignedTimeout.TotalMinutes:0.#} min (--aligned-timeout)");

        var wse = new List<SearchRun>();
        var aligned = new List<SearchRun>();
        Stopped? stopped = null;
        var baselineWalls = new List<TimeSpan>();
        var fronts = new Dictionary<string, string>();
        for (var run = 0; run < Math.Max(runs, alignedRuns); run++)
        {
            if (baseline is not null && run < runs)
            {
                // The baseline runs with its own default fitness (main's engine has only plain WSE).
                var clockBaseline = Stopwatch.StartNew();
                var old = ProcessRunner.Run(Dotnet.Command(folder.Path, ["exec", baseline, "search", model, "--mode", "arbitrary", "--kv-budget", "0.5"]), TimeSpan.FromMinutes(10));
                if (!old.Succeeded) throw new InvalidOperationException("baseline search failed: " + old);
                baselineWalls.Add(clockBaseline.Elapsed);
            }
            if (run < runs) wse.Add(Search(folder, model, "wse", run, TimeSpan.FromMinutes(10), fronts, out _)!);
            if (run < alignedRuns && stopped is null)
            {
                var result = Search(folder, model, "aligned", run, alignedTimeout, fronts, out stopped);
                if (result is not null) aligned.Add(result);
                else Console.WriteLine($"  aligned run {run + 1} stopped after {stopped!.Wall.TotalMinutes:F1} min; last lines:\n    {string.Join("\n    ", stopped.LastLines)}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"",-46} {"--fitness wse",17}  {"--fitness aligned",17}  {"aligned / wse",15}");
        Console.WriteLine($"{"",-46} {"wall s",8} {"cpu s",8}  {"wall s",8} {"cpu s",8}  {"wall",7} {"cpu",7}");
        Row("start-up (process start to command)", r => r.T.StartUpSeconds, null);
        Row("statistics (K/V read + Gram, overlapped)", r => r.T.StatisticsSeconds, r => r.T.StatisticsCpuSeconds);
        Row("  read (reader thread busy)", r => r.T.ReadSeconds, null);
        Row("  Gram (computing, summed over threads)", r => r.T.GramSeconds, null);
        Row("fitness (aligned: q/k/v/o, pair errors)", r => r.T.FitnessSeconds, r => r.T.FitnessCpuSeconds);
        Row("stage 1 (search; aligned: + exact rescoring)", r => r.T.Stage1Seconds, r => r.T.Stage1CpuSeconds);
        Row("stage 2 (one budget)", r => r.T.Stage2Seconds, null);
        Row("end to end, one budget", r => r.Wall.TotalSeconds, r => r.T.TotalCpuSeconds);
        Console.WriteLine($"{"peak resident memory of the engine (GB)",-46} {Median(wse, r => r.PeakBytes / 1e9),8:F2} {"",8}  " +
                          (aligned.Count > 0 ? $"{Median(aligned, r => r.PeakBytes / 1e9),8:F2}" : stopped is not null ? $"{stopped.PeakBytes / 1e9,8:F2}" : $"{"-",8}"));
        var statistics = Median(wse, r => r.T.StatisticsSeconds);
        Console.WriteLine($"wse statistics: {kvBytes / 1e9 / statistics:F1} GB/s of K/V (cat of those bytes: {catKv.TotalSeconds:F2} s)");
        var wseCpu = Median(wse, r => r.T.TotalCpuSeconds);
        var wseStartUp = Median(wse, r => r.T.StartUpSeconds);
        var cores = Math.Min(Environment.ProcessorCount, wse[0].T.StatisticsThreads);
        Console.WriteLine($"wse on an idle machine with {cores} cores: at least {wseStartUp + (wseCpu - wseStartUp) / cores:F2} s end to end");
        if (aligned.Count > 0)
        {
            var ratio = Median(aligned, r => r.Wall.TotalSeconds) / Median(wse, r => r.Wall.TotalSeconds);
            var cpuRatio = Median(aligned, r => r.T.TotalCpuSeconds) / wseCpu;
            Console.WriteLine($"target aligned / wse <= {TargetRatio} end to end: {(ratio <= TargetRatio ? "met" : "MISSED")} " +
                              $"(wall {ratio:F2}, processor time {cpuRatio:F2}; per layer the aligned fitness costs " +
                              $"{Median(aligned, r => r.T.FitnessSeconds) / layers:F2} s and its stage 1 {Median(aligned, r => r.T.Stage1Seconds) / layers:F2} s)");
        }
        else if (stopped is not null)
        {
            Console.WriteLine($"target aligned / wse <= {TargetRatio} end to end: MISSED (the aligned run was stopped after {stopped.Wall.TotalSeconds:F0} s, " +
                              $"{stopped.Wall.TotalSeconds / Median(wse, r => r.Wall.TotalSeconds):F1} × the whole wse search)");
            ProbeLayer(model, layers);
        }
        if (baseline is not null)
            Console.WriteLine($"{"baseline end to end, one budget (wall)",-46} {Median(baselineWalls).TotalSeconds,8:F2}   ({baseline}, its default fitness, runs alternating with the above)");

        // Stage 2 at four budgets on the fronts of the first run of each fitness: what a build with four variants adds to one search.
        foreach (var (fitness, json) in fronts)
        {
            var frontList = FrontsFile.Parse(json);
            var clock = Stopwatch.StartNew();
            foreach (var budget in Budgets) KvAllocator.Allocate(frontList, KvBudget.Global(budget));
            var four = clock.Elapsed.TotalSeconds;
            var rows = fitness == "wse" ? wse : aligned;
            Console.WriteLine($"{fitness + ": stage 2 at four budgets (in process)",-46} {four,8:F2} s   ({string.Join(", ", Budgets)}); " +
                              $"end to end, four budgets (estimate): {Median(rows, r => r.Wall.TotalSeconds) - Median(rows, r => r.T.Stage2Seconds) + four:F2} s");
        }
        Console.WriteLine($"load average after: {LoadAverage()}");

        void Row(string label, Func<SearchRun, double> wall, Func<SearchRun, double>? cpu)
        {
            var line = $"{label,-46} {Median(wse, wall),8:F2} {(cpu is null ? "" : Median(wse, cpu).ToString("F2", CultureInfo.InvariantCulture)),8}  ";
            if (aligned.Count == 0)
            {
                Console.WriteLine(line + $"{"-",8} {"-",8}");
                return;
            }
            line += $"{Median(aligned, wall),8:F2} {(cpu is null ? "" : Median(aligned, cpu).ToString("F2", CultureInfo.InvariantCulture)),8}  ";
            line += $"{Ratio(Median(aligned, wall), Median(wse, wall)),7} {(cpu is null ? "" : Ratio(Median(aligned, cpu), Median(wse, cpu))),7}";
            Console.WriteLine(line);
        }
    }

    // One `dotnet qcqa search` with --timings; null (and what was seen) when it ran past the timeout and was killed.
    private static SearchRun? Search(TempFolder folder, string model, string fitness, int run, TimeSpan timeout, Dictionary<string, string> fronts, out Stopped? stopped)
    {
        stopped = null;
        var timings = folder.Combine($"timings-{fitness}{run}.json");
        var frontsPath = folder.Combine($"fronts-{fitness}.json");
        var start = Stopwatch.StartNew();
        using var process = RunningProcess.Start(Dotnet.Command(folder.Path,
            ["exec", RepositoryLayout.EnginePath, "search", model, "--mode", "arbitrary", "--kv-budget", "0.5", "--fitness", fitness, "--timings", timings,
             .. run == 0 ? new[] { "--fronts", frontsPath } : []]));
        long peak = 0;
        while (!process.HasExited && start.Elapsed < timeout)
        {
            peak = Math.Max(peak, PeakResident(process.Id));
            Thread.Sleep(250);
        }
        if (!process.HasExited)
        {
            peak = Math.Max(peak, PeakResident(process.Id));
            var wall = start.Elapsed;
            var lines = process.Output.Split('\n').Where(l => l.Length > 0 && !char.IsWhiteSpace(l[0])).TakeLast(4).ToArray();
            process.Kill();
            stopped = new Stopped(wall, peak, lines);
            return null;
        }
        var result = process.WaitForExit(TimeSpan.FromMinutes(1));
        var elapsed = start.Elapsed;
        if (!result.Succeeded) throw new InvalidOperationException($"search --fitness {fitness} failed: " + result);
        if (run == 0) fronts[fitness] = File.ReadAllText(frontsPath);
        var parsed = JsonSerializer.Deserialize<Timings>(File.ReadAllText(timings), JsonOptions)!;
        Console.WriteLine($"  run {run + 1} --fitness {fitness,-7}: {elapsed.TotalSeconds,8:F2} s wall, {parsed.TotalCpuSeconds,8:F2} s processor time, " +
                          $"peak {peak / 1e9:F2} GB resident; load average {LoadAverage()}");
        return new SearchRun(elapsed, parsed, peak);
    }

    // When the aligned run was stopped: what the engine does per layer, in this process, on layer 0 — the aligned fitness
    // (before stage 1), the search of the layer on it and the exact rescoring of its front (stage 1) — to extrapolate to
    // the whole model.
    private static void ProbeLayer(string model, int layers)
    {
        using var checkpoint = Checkpoint.Open(model);
        using var aligned = new TorchAlignmentEngine().Open(checkpoint, null, "cpu");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        (double Wall, double Cpu) Lap()
        {
            var now = Process.GetCurrentProcess().TotalProcessorTime;
            var lap = (clock.Elapsed.TotalSeconds, (now - cpu).TotalSeconds);
            clock.Restart();
            cpu = now;
            return lap;
        }
        var gram = aligned.FitnessGram(0);
        var fitness = Lap();
        var front = LayerSearch.Run(gram, new SearchSettings { Mode = GroupingMode.Arbitrary });
        var search = Lap();
        foreach (var point in front.Points.Where(p => !p.Grouping.IsIdentity)) aligned.Error(0, point.Grouping);
        var rescoring = Lap();
        Console.WriteLine($"  probe, layer 0 in process (wall / processor s): fitness {fitness.Wall:F2} / {fitness.Cpu:F2}, search {search.Wall:F2} / {search.Cpu:F2}, " +
                          $"exact rescoring of its {front.Points.Count} points {rescoring.Wall:F2} / {rescoring.Cpu:F2}");
        Console.WriteLine($"  -> × {layers} layers: fitness {fitness.Wall * layers:F0} s, stage 1 {(search.Wall + rescoring.Wall) * layers:F0} s wall");
    }

    private static long PeakResident(int pid)
    {
        try
        {
            // VmHWM: the process's peak resident set so far, in kB.
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0; // exited, or not Linux
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static string Ratio(double aligned, double wse) => wse < 0.05 ? "-" : (aligned / wse).ToString("F2", CultureInfo.InvariantCulture);

    private static double Median(List<SearchRun> rows, Func<SearchRun, double> pick) => rows.Select(pick).Order().ElementAt(rows.Count / 2);

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

    private sealed record SearchRun(TimeSpan Wall, Timings T, long PeakBytes);

    private sealed record Stopped(TimeSpan Wall, long PeakBytes, IReadOnlyList<string> LastLines);

    private sealed record Timings(
        double StartUpSeconds, double StatisticsSeconds, double ReadSeconds, double GramSeconds, long BytesRead,
        int StatisticsThreads, double StatisticsCpuSeconds, double FitnessSeconds, double FitnessCpuSeconds, double Stage1Seconds, double Stage1CpuSeconds,
        double Stage2Seconds, double SearchSeconds, double TotalCpuSeconds);
}

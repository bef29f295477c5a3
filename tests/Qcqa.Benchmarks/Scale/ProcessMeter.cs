using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Qcqa.Core.Progress;

namespace Qcqa.Benchmarks.Scale;

/// <summary>
/// Runs a command as a child process and measures it from outside, as a user's `time` and `top` would: wall time,
/// processor time and peak resident memory (the kernel's VmHWM and the largest RssAnon seen, sampled every 100 ms
/// from /proc until it exits). Its output is passed through, so long runs show their progress.
/// </summary>
/// <remarks>
/// The run is also cut into stages at the engine's finished-stage lines (<c>QCQA calibration llama2-7b: … (1148.00 s)</c>):
/// each stage's figures cover the time since the previous such line. The child's VmHWM is reset at every cut
/// (<c>/proc/PID/clear_refs</c>), so a stage's peak is its own, not the build's so far. The engine runs its stages one
/// after another, so a segment is the work of the stage that closes it (plus any silent set-up before it).
/// </remarks>
internal static partial class ProcessMeter
{
    /// <summary>What the run printed on each stream, its exit code, the figures of the whole run and of each stage.</summary>
    internal sealed record Result(int ExitCode, StageFigures Figures, IReadOnlyList<string> Output, IReadOnlyList<Segment> Stages);

    /// <summary>One stage: the engine's finished line (stage and subject) and what the process used since the last one.</summary>
    internal sealed record Segment(string Stage, string Subject, StageFigures Figures);

    // Stage names may have spaces ("aligned fitness", "layer costs"); the subject is the word after the name (model or
    // model/variant), whatever follows it up to the colon ("(gradient)") belonging to the detail.
    private const string Stages = BuildStages.Statistics + "|" + BuildStages.Calibration + "|" + BuildStages.AlignedFitness + "|" + BuildStages.LayerCosts + "|"
        + BuildStages.FineTuning + "|" + BuildStages.Search + "|" + BuildStages.Allocation + "|" + BuildStages.Merge + "|" + BuildStages.Evaluation;

    [GeneratedRegex(@"QCQA (?<stage>" + Stages + @") (?<subject>\S+)[^:]*: .*\(\d+(\.\d+)? s\)\s*$")]
    private static partial Regex FinishedLine();

    /// <summary>Runs <paramref name="start"/> to its end.</summary>
    internal static Result Run(ProcessStartInfo start, Action<string>? echo = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var output = new List<string>();
        var wall = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var status = $"/proc/{process.Id}/status";
        var stat = $"/proc/{process.Id}/stat";
        var gate = new object();
        long peakRss = 0, peakAnon = 0, cpuTicks = 0;
        long segmentAnon = 0, segmentCpuStart = 0;
        var segmentStart = TimeSpan.Zero;
        var segments = new List<Segment>();

        void Sample()
        {
            lock (gate)
            {
                var anon = StageMeter.StatusOf(status, "RssAnon");
                peakRss = Math.Max(peakRss, StageMeter.StatusOf(status, "VmHWM"));
                peakAnon = Math.Max(peakAnon, anon);
                segmentAnon = Math.Max(segmentAnon, anon);
                cpuTicks = Math.Max(cpuTicks, CpuTicks(stat));
            }
        }
        void Line(string? line)
        {
            if (line is null) return;
            lock (output) output.Add(line);
            echo?.Invoke(line);
            var finished = FinishedLine().Match(line);
            if (!finished.Success) return;
            Sample();
            lock (gate)
            {
                var now = wall.Elapsed;
                var segmentPeak = StageMeter.StatusOf(status, "VmHWM");
                segments.Add(new Segment(finished.Groups["stage"].Value, finished.Groups["subject"].Value,
                    new StageFigures(now - segmentStart, TimeSpan.FromSeconds((cpuTicks - segmentCpuStart) / 100.0), segmentPeak, segmentAnon)));
                // The whole run's peak is kept in peakRss; the kernel's counter now starts again for the next stage.
                try { File.WriteAllText($"/proc/{process.Id}/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                segmentStart = now;
                segmentCpuStart = cpuTicks;
                segmentAnon = 0;
            }
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (!process.WaitForExit(100)) Sample();
        process.WaitForExit();
        var figures = new StageFigures(wall.Elapsed, TimeSpan.FromSeconds(cpuTicks / 100.0), peakRss, peakAnon);
        return new Result(process.ExitCode, figures, output, segments);
    }

    /// <summary>The stages as a table, one line each, the slowest and the largest easy to spot.</summary>
    internal static void PrintStages(IReadOnlyList<Segment> stages, Action<string> write)
    {
        write(string.Create(CultureInfo.InvariantCulture, $"{"stage",-22} {"subject",-28} {"wall s",8} {"cpu s",8} {"peak RSS GB",12} {"anon GB",8}"));
        foreach (var s in stages)
            write(string.Create(CultureInfo.InvariantCulture,
                $"{s.Stage,-22} {s.Subject,-28} {s.Figures.Wall.TotalSeconds,8:F1} {s.Figures.Cpu.TotalSeconds,8:F1} {s.Figures.PeakRss / 1e9,12:F2} {s.Figures.PeakAnon / 1e9,8:F2}"));
    }

    // utime + stime of /proc/<pid>/stat, in the kernel's clock ticks (100 per second on Linux).
    private static long CpuTicks(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}

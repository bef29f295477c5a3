using System.Diagnostics;
using System.Globalization;

namespace Qcqa.Benchmarks.Scale;

/// <summary>
/// Runs a command as a child process and measures it from outside, as a user's `time` and `top` would: wall time,
/// processor time and peak resident memory (the kernel's VmHWM and the largest RssAnon seen, sampled every 100 ms
/// from /proc until it exits). Its output is passed through, so long runs show their progress.
/// </summary>
internal static class ProcessMeter
{
    /// <summary>What the run printed on each stream, its exit code and the figures.</summary>
    internal sealed record Result(int ExitCode, StageFigures Figures, IReadOnlyList<string> Output);

    /// <summary>Runs <paramref name="start"/> to its end.</summary>
    internal static Result Run(ProcessStartInfo start, Action<string>? echo = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var output = new List<string>();
        var wall = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        void Line(string? line)
        {
            if (line is null) return;
            lock (output) output.Add(line);
            echo?.Invoke(line);
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peakRss = 0, peakAnon = 0, cpuTicks = 0;
        var status = $"/proc/{process.Id}/status";
        var stat = $"/proc/{process.Id}/stat";
        while (!process.WaitForExit(100))
        {
            peakRss = Math.Max(peakRss, StageMeter.StatusOf(status, "VmHWM"));
            peakAnon = Math.Max(peakAnon, StageMeter.StatusOf(status, "RssAnon"));
            cpuTicks = Math.Max(cpuTicks, CpuTicks(stat));
        }
        process.WaitForExit();
        var figures = new StageFigures(wall.Elapsed, TimeSpan.FromSeconds(cpuTicks / 100.0), peakRss, peakAnon);
        return new Result(process.ExitCode, figures, output);
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

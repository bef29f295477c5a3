namespace Qcqa.Benchmarks;

/// <summary>The machine's load, printed beside timings: these machines are shared, and a figure means little without it.</summary>
internal static class MachineLoad
{
    /// <summary>The 1, 5 and 15 minute load averages, or "n/a" off Linux.</summary>
    internal static string Averages() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

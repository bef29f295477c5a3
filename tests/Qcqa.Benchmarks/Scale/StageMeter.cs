using System.Diagnostics;
using System.Globalization;

namespace Qcqa.Benchmarks.Scale;

/// <summary>
/// Wall time, processor time and peak resident memory of one stage run in this process. The kernel's peak
/// (VmHWM) is reset at the start (<c>/proc/self/clear_refs</c>), and a sampler records the peak anonymous memory
/// (RssAnon: what the stage allocated, as opposed to file pages it mapped) every 20 ms.
/// </summary>
internal sealed class StageMeter : IDisposable
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly Thread _sampler;
    private volatile bool _stop;
    private long _peakAnon;

    private StageMeter()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _sampler = new Thread(() =>
        {
            while (!_stop)
            {
                _peakAnon = Math.Max(_peakAnon, Status("RssAnon"));
                Thread.Sleep(20);
            }
        }) { IsBackground = true };
        _sampler.Start();
    }

    /// <summary>Starts measuring.</summary>
    public static StageMeter Start() => new();

    /// <summary>Stops and returns the figures.</summary>
    public StageFigures Stop()
    {
        _stop = true;
        _sampler.Join();
        _peakAnon = Math.Max(_peakAnon, Status("RssAnon"));
        return new StageFigures(_wall.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - _cpuStart, Status("VmHWM"), _peakAnon);
    }

    public void Dispose()
    {
        _stop = true;
    }

    /// <summary>A field of /proc/self/status in bytes (0 where there is none).</summary>
    internal static long Status(string field) => StatusOf("/proc/self/status", field);

    /// <summary>A field of a /proc/…/status file in bytes (0 where there is none or the process is gone).</summary>
    internal static long StatusOf(string path, string field)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}

/// <summary>What <see cref="StageMeter"/> measured.</summary>
internal sealed record StageFigures(TimeSpan Wall, TimeSpan Cpu, long PeakRss, long PeakAnon)
{
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"wall {Wall.TotalSeconds,7:F1} s  cpu {Cpu.TotalSeconds,7:F1} s  peak RSS {PeakRss / 1e9,5:F2} GB (anonymous {PeakAnon / 1e9:F2} GB)");
}

using System.Diagnostics;
using System.Text.Json;
using Qcqa.Cli.Output;
using Qcqa.Core.Statistics;

namespace Qcqa.Cli.Commands.Search;

/// <summary>Where the time of one <c>search</c> went, written by <c>--timings</c> for benchmarks.</summary>
internal sealed class SearchTimings
{
    /// <summary>From the process's start to the command's start: runtime start-up, JIT, parsing.</summary>
    public TimeSpan StartUp { get; init; }

    /// <summary>Reading the K/V bytes and computing the Gram matrices.</summary>
    public LayerKvTimings Statistics { get; set; } = new();

    /// <summary>Stage 1 (per-layer search).</summary>
    public TimeSpan Stage1 { get; set; }

    /// <summary>Stage 2 (allocation across layers).</summary>
    public TimeSpan Stage2 { get; set; }

    /// <summary>The command from its start to its end (opening the checkpoint and writing outputs included).</summary>
    public TimeSpan Search { get; set; }

    /// <summary>Time since this process started, or zero when the platform does not tell.</summary>
    public static TimeSpan SinceProcessStart()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return DateTime.Now - process.StartTime;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>The figures in seconds, snake_case JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        StartUpSeconds = StartUp.TotalSeconds,
        StatisticsSeconds = Statistics.Wall.TotalSeconds,
        ReadSeconds = Statistics.Read.TotalSeconds,
        GramSeconds = Statistics.Compute.TotalSeconds,
        BytesRead = Statistics.Bytes,
        StatisticsThreads = Statistics.Threads,
        Stage1Seconds = Stage1.TotalSeconds,
        Stage2Seconds = Stage2.TotalSeconds,
        SearchSeconds = Search.TotalSeconds,
    }, JsonOutput.Options);
}

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

    /// <summary>Processor time (all threads) of reading and computing the Gram matrices.</summary>
    public TimeSpan StatisticsCpu { get; set; }

    /// <summary>Preparing the aligned fitness (loading the model, calibration, the per-layer aligned statistics); zero for <c>--fitness wse</c>.</summary>
    public TimeSpan Fitness { get; set; }

    /// <summary>Processor time (all threads) of preparing the aligned fitness.</summary>
    public TimeSpan FitnessCpu { get; set; }

    /// <summary>Processor time (all threads) of stage 1.</summary>
    public TimeSpan Stage1Cpu { get; set; }

    /// <summary>Processor time of the whole process up to the command's end, start-up included.</summary>
    public TimeSpan TotalCpu { get; set; }

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

    /// <summary>
    /// Processor time used by this process so far (user and system, all threads): unlike elapsed time it hardly
    /// depends on what else the machine runs, so it shows what a stage costs on a busy machine too.
    /// </summary>
    public static TimeSpan ProcessorTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
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
        StatisticsCpuSeconds = StatisticsCpu.TotalSeconds,
        FitnessSeconds = Fitness.TotalSeconds,
        FitnessCpuSeconds = FitnessCpu.TotalSeconds,
        Stage1Seconds = Stage1.TotalSeconds,
        Stage1CpuSeconds = Stage1Cpu.TotalSeconds,
        TotalCpuSeconds = TotalCpu.TotalSeconds,
        Stage2Seconds = Stage2.TotalSeconds,
        SearchSeconds = Search.TotalSeconds,
    }, JsonOutput.Options);
}

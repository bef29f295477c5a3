using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Text;
using TorchSharp;

namespace Qcqa.Benchmarks.FineTuning;

/// <summary>
/// Fine-tuning speed on the reference model (tiny-llama-kjv, 2.76 M parameters) compressed to GQA at 50 % of the KV
/// cache: training tokens per second for cross-entropy and distillation, attention-only and all parameters, side by
/// side in one run. The four set-ups take turns, round after round, so a change in the machine's load hits all of
/// them alike; each figure is the median over rounds of the steady speed (the first step of a run, which pays for
/// allocations, is left out). Beside the wall-clock speed it prints the process's CPU time per 1,000 tokens, which
/// other processes on a loaded machine disturb less.
/// </summary>
public sealed class FineTuningThroughputBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "finetune-throughput";

    /// <inheritdoc />
    public string Description => "fine-tuning tokens/s on the reference model: ce vs kd, attention vs all [--steps N] [--rounds R] [--seq T] [--batch-tokens B] [--threads N]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var steps = Option(args, "--steps", 6);
        var rounds = Option(args, "--rounds", 3);
        var defaults = new FineTuningSettings();
        var sequence = Option(args, "--seq", defaults.SequenceLength);
        var batchTokens = Option(args, "--batch-tokens", defaults.BatchTokens);
        var threads = Option(args, "--threads", 0);
        TorchRuntime.EnsureInitialized(); // before anything touches TorchSharp (see Qcqa.Torch's README)
        if (threads > 0) torch.set_num_threads(threads);

        var original = Path.Combine(RepositoryLayout.Root, "samples", "ReferenceModel", "tiny-llama-kjv");
        using var temp = new TempFolder("bench");
        var compressed = temp.Combine("gqa-50");
        using (var checkpoint = Checkpoint.Open(original))
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Gqa, checkpoint.LayerCount, LayerGrouping.Gqa(checkpoint.Config.NumAttentionHeads, checkpoint.Config.NumAttentionHeads / 2)), compressed);
        // The text only supplies windows (the speed does not depend on which); the held-out file is the one every clone has.
        var text = TokenizedText.Load(ModelTokenizer.Load(original), Path.Combine(original, "heldout.txt"));

        var setups = new (string Name, FineTuningLoss Loss, TrainableParameters Parameters)[]
        {
            ("ce, attention", FineTuningLoss.CrossEntropy, TrainableParameters.Attention),
            ("ce, all", FineTuningLoss.CrossEntropy, TrainableParameters.All),
            ("kd, attention", FineTuningLoss.Distillation, TrainableParameters.Attention),
            ("kd, all", FineTuningLoss.Distillation, TrainableParameters.All),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"GQA-50 of tiny-llama-kjv; {steps} steps of {batchTokens} tokens ({batchTokens / sequence} windows of {sequence}) per run, {rounds} rounds; libtorch threads {torch.get_num_threads()}; load average {LoadAverage()}"));
        var speeds = setups.Select(_ => new List<double>()).ToArray();
        var cpu = setups.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < setups.Length; i++)
            {
                var settings = defaults with { Steps = steps, SequenceLength = sequence, BatchTokens = batchTokens, Loss = setups[i].Loss, Parameters = setups[i].Parameters };
                var clock = new StepClock();
                using var trained = FineTuner.Train(compressed, original, text.Tokens, settings, "cpu", clock);
                speeds[i].Add(clock.SteadyTokensPerSecond(batchTokens));
                cpu[i].Add(clock.CpuMillisecondsPerThousandTokens(batchTokens));
            }
        }
        Console.WriteLine($"{"set-up",-16} {"tokens/s",10} {"vs ce, attention",18} {"CPU ms/1k tokens",18}   (medians of {rounds}; tokens/s of every round)");
        var baseline = Median(speeds[0]);
        for (var i = 0; i < setups.Length; i++)
        {
            var median = Median(speeds[i]);
            var all = string.Join(" ", speeds[i].Select(s => s.ToString("F0", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{setups[i].Name,-16} {median,10:F0} {median / baseline,18:P0} {Median(cpu[i]),18:F0}   [{all}]"));
        }
        Console.WriteLine($"load average at the end: {LoadAverage()}");
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    // Times the steps as they finish (reports arrive synchronously, on the training thread).
    private sealed class StepClock : IProgress<FineTuningProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _firstStepDone, _lastStepDone, _firstStepCpu, _lastStepCpu;
        private int _steps;

        public void Report(FineTuningProgress value)
        {
            using var process = Process.GetCurrentProcess();
            if (value.Step == 1) (_firstStepDone, _firstStepCpu) = (_clock.Elapsed, process.TotalProcessorTime);
            (_lastStepDone, _lastStepCpu) = (_clock.Elapsed, process.TotalProcessorTime);
            _steps = value.Step;
        }

        public double CpuMillisecondsPerThousandTokens(int batchTokens)
            => (_lastStepCpu - _firstStepCpu).TotalMilliseconds * 1000 / Math.Max(1, (_steps - 1) * (double)batchTokens);

        public double SteadyTokensPerSecond(int batchTokens)
            => (_steps - 1) * (double)batchTokens / Math.Max(1e-9, (_lastStepDone - _firstStepDone).TotalSeconds);
    }
}

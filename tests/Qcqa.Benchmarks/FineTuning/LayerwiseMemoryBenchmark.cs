using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Memory;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Loading;

namespace Qcqa.Benchmarks.FineTuning;

/// <summary>
/// Layer-wise fine-tuning of a merged checkpoint against its original, in this process, with its memory sampled
/// every 50 ms: the planned peak (<see cref="FineTuningMemoryPlan.LayerWise"/>) beside the measured peak anonymous
/// memory and VmHWM, and a timeline of anonymous memory by training step, to see which part of a layer's work holds
/// more than the plan counts. Tokens are random ids (seeded): memory and time depend on shapes, not on the text.
/// </summary>
/// <remarks>For a 7B-shaped pair: <c>synth … --preset llama2-7b --layers 4</c>, then <c>merge --method mean</c> with any
/// grouping; the plan does not depend on the layer count, so four layers show the peak of thirty-two.</remarks>
public sealed class LayerwiseMemoryBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "finetune-layerwise-memory";

    /// <inheritdoc />
    public string Description => "layer-wise fine-tuning of <merged> against <original>: planned peak vs measured (anonymous, VmHWM), memory by step [--tokens N]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        if (args.Length < 2) throw new ArgumentException("Usage: finetune-layerwise-memory <merged-dir> <original-dir> [--tokens N]");
        var (merged, original) = (Path.GetFullPath(args[0]), Path.GetFullPath(args[1]));
        var at = Array.IndexOf(args, "--tokens");
        var tokenCount = at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 4096;
        var settings = new FineTuningSettings { Tokens = tokenCount };
        using (var checkpoint = Checkpoint.Open(original))
        {
            var config = CheckpointModelLoader.ReadConfig(checkpoint);
            var plan = FineTuningMemoryPlan.LayerWise(config, settings);
            Console.WriteLine($"plan {MemoryLimit.Format(plan.Bytes)}: {plan.Breakdown}");
            var random = new Random(7);
            // One window more than the planned tokens: the sampler needs a next token after each window.
            var tokens = Enumerable.Range(0, tokenCount + settings.SequenceLength + 1).Select(_ => (long)random.Next(config.VocabSize)).ToArray();
            using var temp = new TempFolder("bench-layerwise-memory");
            var step = 0;
            // StageMeter gives the figures (wall, CPU, VmHWM reset at its start, peak anonymous memory); this sampler only
            // adds the timeline by step.
            var samples = new List<(double Seconds, int Step, long Anon)>();
            var clock = Stopwatch.StartNew();
            var stop = false;
            var sampler = new Thread(() =>
            {
                while (!Volatile.Read(ref stop))
                {
                    samples.Add((clock.Elapsed.TotalSeconds, Volatile.Read(ref step), Scale.StageMeter.Status("RssAnon")));
                    Thread.Sleep(50);
                }
            }) { IsBackground = true };
            var before = Scale.StageMeter.Status("RssAnon");
            var meter = Scale.StageMeter.Start();
            sampler.Start();
            var (result, _) = LayerwiseFineTuner.TrainAndWrite(merged, original, tokens, settings, "cpu", temp.Combine("out"),
                progress: new Progress(p => Volatile.Write(ref step, p.Step)));
            var figures = meter.Stop();
            Volatile.Write(ref stop, true);
            sampler.Join();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {result.Steps} steps per layer on {result.Tokens:N0} tokens; layer error {result.FirstLoss:F4} → {result.LastLoss:F4}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{figures}; anonymous memory before {before / 1e9:F2} GB; plan {plan.Bytes / 1e9:F2} GB"));
            Console.WriteLine("anonymous memory over time (a line per second where it moved by 50 MB or more):");
            long last = -1;
            var nextSecond = 0.0;
            foreach (var (seconds, done, anon) in samples)
            {
                if (seconds < nextSecond || Math.Abs(anon - last) < 50_000_000) continue;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {seconds,7:F1} s  step {done,3}  {anon / 1e9,6:F2} GB"));
                last = anon;
                nextSecond = seconds + 1;
            }
        }
    }

    // Progress<T> posts to the thread pool; this reports on the training thread, so the timeline's step is current.
    private sealed class Progress(Action<FineTuningProgress> report) : IProgress<FineTuningProgress>
    {
        public void Report(FineTuningProgress value) => report(value);
    }
}

using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Memory;
using Qcqa.Core.Pipeline;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Calibration;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Llama;

namespace Qcqa.Benchmarks.FineTuning;

/// <summary>
/// Layer-wise against end-to-end fine-tuning on the reference model at the same token budget: one build of
/// tiny-llama-kjv with the sample's calibration and evaluation, an AC-50 variant with every default (aligned merge
/// and fitness, default allocation) untuned, fine-tuned end-to-end and fine-tuned layer-wise on 120,000 tokens of
/// calibration.txt (the sample's fine-tuned variants' budget). Prints each one's held-out perplexity and its ratio to
/// the original, and the wall and processor time of each fine-tuning run; then the memory estimate of both modes at
/// Llama-2-7B shapes.
/// </summary>
public sealed class LayerwiseFineTuningBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "finetune-layerwise";

    /// <inheritdoc />
    public string Description => "layer-wise vs end-to-end fine-tuning of AC-50 on the reference model (perplexity, time) and both modes' memory at 7B shapes [--tokens N]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var at = Array.IndexOf(args, "--tokens");
        var tokens = at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 120_000;
        var model = Path.Combine(RepositoryLayout.Root, "samples", "ReferenceModel", "tiny-llama-kjv");
        using var temp = new TempFolder("bench-layerwise");
        var spec = temp.Combine("qcqa.yaml");
        File.WriteAllText(spec, string.Create(CultureInfo.InvariantCulture, $$"""
            version: 1
            defaults:
              device: cpu
              search: { population: 64, generations: 40, seed: 1 }
            calibration:
              text: {{Path.Combine(model, "calibration.txt")}}
              max_tokens: 16384
              probe_tokens: 4096
            evaluation:
              text: {{Path.Combine(model, "heldout.txt")}}
              max_tokens: 65536
            models:
              - name: tiny-llama-kjv
                path: {{model}}
                variants:
                  - { name: ac-50, mode: arbitrary, budget: 0.5 }
                  - { name: ac-50-end-to-end, mode: arbitrary, budget: 0.5, finetune: { tokens: {{tokens}}, mode: end-to-end } }
                  - { name: ac-50-layerwise, mode: arbitrary, budget: 0.5, finetune: { tokens: {{tokens}}, mode: layerwise } }
            """));
        var fineTuner = new TimedFineTuner(new TorchFineTuner());
        var services = new BuildServices
        {
            Evaluator = new TorchModelEvaluator(Serilog.Core.Logger.None),
            Calibrator = new TorchCalibrator(),
            Alignment = new TorchAlignmentEngine(),
            FineTuner = fineTuner,
        };
        var clock = Stopwatch.StartNew();
        var result = BuildPipeline.Run(new BuildRequest { SpecPath = spec, OutputFolder = temp.Combine("out"), CacheFolder = temp.Combine("cache") },
            Serilog.Core.Logger.None, services);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tiny-llama-kjv, AC-50 (aligned, defaults), fine-tuned on {tokens:N0} tokens of calibration.txt; held-out: first 64 KiB of heldout.txt; build {clock.Elapsed.TotalSeconds:0} s; load average {LoadAverage()}"));
        var original = result.Rows.Single(v => v.IsOriginal).Quality!.Perplexity;
        Console.WriteLine($"{"variant",-20} {"perplexity",10} {"× original",11} {"wall s",8} {"CPU s",8} {"loss first → last",22}");
        foreach (var row in result.Rows)
        {
            var perplexity = row.Quality!.Perplexity;
            var run = fineTuner.Runs.GetValueOrDefault($"tiny-llama-kjv/{row.Variant}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Variant,-20} {perplexity,10:F3} {perplexity / original,11:F3} {(run is null ? "" : run.Wall.ToString("F1", CultureInfo.InvariantCulture)),8} {(run is null ? "" : run.Cpu.ToString("F1", CultureInfo.InvariantCulture)),8} {(run is null ? "" : $"{run.Report.FirstLoss:F4} → {run.Report.LastLoss:F4}"),22}"));
        }

        var llama7B = new LlamaConfig { VocabSize = 32000, HiddenSize = 4096, IntermediateSize = 11008, NumHiddenLayers = 32, NumAttentionHeads = 32 };
        Console.WriteLine();
        Console.WriteLine("Memory estimate at Llama-2-7B shapes (float32 training, attention parameters, 256-token windows, 4,096 tokens per step):");
        foreach (var budget in new long[] { 4096, tokens })
        {
            var settings = new FineTuningSettings { Tokens = budget };
            foreach (var (name, plan) in new[] { ("end-to-end", FineTuningMemoryPlan.EndToEnd(llama7B, settings)), ("layerwise", FineTuningMemoryPlan.LayerWise(llama7B, settings)) })
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {budget,9:N0} tokens, {name,-10} {MemoryLimit.Format(plan.Bytes),9}: {plan.Breakdown}"));
        }
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private sealed record TimedRun(FineTuneReport Report, double Wall, double Cpu);

    // The build's fine-tuner with the wall and processor time of each run around it.
    private sealed class TimedFineTuner(IFineTuner inner) : IFineTuner
    {
        public Dictionary<string, TimedRun> Runs { get; } = [];

        public string CodeVersion => inner.CodeVersion;

        public FineTuneMode CheckMemory(string originalFolder, FineTuneSpec spec, string label, MemoryLimit memory)
            => inner.CheckMemory(originalFolder, spec, label, memory);

        public FineTuneReport FineTune(string compressedFolder, string originalFolder, FineTuneSpec spec, string label, string device, MemoryLimit memory,
            string outputFolder, Action<string> beforeCommit, IProgress<FineTuneStep>? progress, CancellationToken cancellation)
        {
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var report = inner.FineTune(compressedFolder, originalFolder, spec, label, device, memory, outputFolder, beforeCommit, progress, cancellation);
            process.Refresh();
            Runs[label] = new TimedRun(report, clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds);
            return report;
        }
    }
}

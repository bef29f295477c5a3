using System.Diagnostics;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Statistics;
using Qcqa.Core.Synthetic;
using Qcqa.Torch.Alignment;

namespace Qcqa.Benchmarks.Merge;

/// <summary>
/// Merge at real scale: a Llama-2-7B-shaped attention-only checkpoint (32 layers × 32 heads of 128, width 4096,
/// BF16, ~4.3 GB) — write, Gram and merge times printed next to a plain copy of the same bytes, with peak memory; the
/// aligned merge (the build's default) beside mean-pooling of the same random pairs.
/// Needs ~12 GB of free disk under QCQA_SCALE_DIR (default: the temp folder).
/// </summary>
public sealed class MergeScaleBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "merge-scale";

    /// <inheritdoc />
    public string Description => "merge a Llama-2-7B-shaped BF16 attention checkpoint (mean and aligned); wall time vs copying the bytes, peak memory";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var root = Path.Combine(Environment.GetEnvironmentVariable("QCQA_SCALE_DIR") ?? Path.GetTempPath(), $"qcqa-scale-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            var input = Path.Combine(root, "llama2-7b-attn");
            var watch = Stopwatch.StartNew();
            var written = SyntheticLlamaCheckpoint.Write(input, SyntheticCheckpointOptions.Llama2_7BAttentionOnly);
            Report("write synthetic", watch, written.WeightBytes);

            watch.Restart();
            File.Copy(Path.Combine(input, "model.safetensors"), Path.Combine(root, "copy.safetensors"));
            var copy = watch.Elapsed;
            Report("File.Copy of the weights", watch, written.WeightBytes);
            File.Delete(Path.Combine(root, "copy.safetensors"));

            using var checkpoint = Checkpoint.Open(input);
            watch.Restart();
            CheckpointGram.Compute(checkpoint, 0);
            Report("Gram of layer 0 (cold, JIT)", watch, 2L * 4096 * 4096 * 2);
            watch.Restart();
            for (var layer = 1; layer < 32; layer++) CheckpointGram.Compute(checkpoint, layer);
            Report("Gram of layers 1..31", watch, 31 * 2L * 4096 * 4096 * 2);

            var half = RandomEqualGrouping(32, 32, 16);
            Qcqa.Torch.Runtime.TorchRuntime.EnsureInitialized();
            foreach (var (name, grouping, aligned) in new[]
            {
                ("identity", ModelGrouping.Uniform(GroupingMode.Custom, 32, LayerGrouping.Identity(32)), false),
                ("EC G=8 (random groups)", RandomEqualGrouping(32, 32, 8), false),
                ("AC mixed sizes", ModelGrouping.Uniform(GroupingMode.Arbitrary, 32, LayerGrouping.FromGroups(32, [Enumerable.Range(0, 20), Enumerable.Range(20, 5), Enumerable.Range(25, 7)])), false),
                ("EC G=16 (random pairs), mean", half, false),
                ("EC G=16 (random pairs), aligned", half, true),
            })
            {
                var target = Path.Combine(root, "out");
                using var sampler = new AnonymousMemorySampler();
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                watch.Restart();
                // The aligned merge as the build runs it without calibration: one layer in float64 at a time.
                using var alignment = aligned ? new AlignedModelMerge(checkpoint, calibration: null) : null;
                var result = CheckpointMerger.Merge(checkpoint, grouping, target,
                    alignment is null ? null : new MergeOptions { Projections = alignment.ProjectionsFor(grouping) });
                var elapsed = watch.Elapsed;
                Report($"merge {name} ({result.Form})", watch, result.WeightBytesWritten);
                Console.WriteLine($"    managed allocations {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6:F1} MB, peak anonymous RSS {sampler.PeakMegabytes:F0} MB, {elapsed / copy:F2}× the copy time");
                Directory.Delete(target, recursive: true);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Report(string what, Stopwatch watch, long bytes)
        => Console.WriteLine($"{what,-40} {watch.Elapsed.TotalSeconds,7:F2} s  {bytes / 1e9 / watch.Elapsed.TotalSeconds,6:F2} GB/s");

    private static ModelGrouping RandomEqualGrouping(int layers, int heads, int groups)
    {
        var random = new Random(5);
        return new ModelGrouping(GroupingMode.Equal, Enumerable.Range(0, layers).Select(l =>
        {
            var order = Enumerable.Range(0, heads).OrderBy(_ => random.Next()).ToArray();
            var labels = new int[heads];
            for (var i = 0; i < heads; i++) labels[order[i]] = i % groups;
            return new LayerGroupingEntry(l, LayerGrouping.FromLabels(labels));
        }).ToArray());
    }

    // Mapped file pages count in RSS but are page cache, not memory the merge holds; RssAnon is what it allocates.
    private sealed class AnonymousMemorySampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peakKb;

        public AnonymousMemorySampler() => _timer = new Timer(_ => Sample(), null, 0, 50);

        public double PeakMegabytes
        {
            get
            {
                Sample();
                return Interlocked.Read(ref _peakKb) / 1024.0;
            }
        }

        public void Dispose() => _timer.Dispose();

        private void Sample()
        {
            if (!OperatingSystem.IsLinux()) return;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("RssAnon:", StringComparison.Ordinal)) continue;
                var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
                long current;
                while ((current = Interlocked.Read(ref _peakKb)) < kb && Interlocked.CompareExchange(ref _peakKb, kb, current) != current) { }
            }
        }
    }
}

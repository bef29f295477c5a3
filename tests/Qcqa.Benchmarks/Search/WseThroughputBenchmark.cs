using System.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Benchmarks.Search;

/// <summary>
/// WSE evaluations per second on one Llama-2-7B-shaped layer (32 heads × 128, width 4096, random float32 K and V in
/// memory): the Gram form (full and incremental) against a naive fitness that mean-pools the weight tensors for
/// every candidate; plus the time to build the Gram matrix.
/// </summary>
public sealed class WseThroughputBenchmark : IBenchmark
{
    private const int Heads = 32, HeadDim = 128, Width = 4096;

    /// <inheritdoc />
    public string Name => "wse-throughput";

    /// <inheritdoc />
    public string Description => "WSE evaluations/s: Gram form (full, incremental move) vs naive mean-pooling; Gram build time (Llama-2-7B layer)";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var rng = new Random(1);
        var key = SyntheticLayer.RandomWeight(Heads, HeadDim, Width, rng);
        var value = SyntheticLayer.RandomWeight(Heads, HeadDim, Width, rng);
        Console.WriteLine($"layer: K and V [{Heads * HeadDim}, {Width}] float32, {2L * key.Length * 4 / (1 << 20)} MiB");

        var gram = BuildGram(key, value);
        var candidates = Enumerable.Range(0, 256).Select(_ => RandomGrouping(rng, 1 + rng.Next(Heads))).ToArray();

        // (a) Full Gram-form evaluation, as WseCalculator does it, and as the search's state does it.
        var full = Rate(candidates.Length, 2.0, () => { foreach (var c in candidates) WseCalculator.FromGram(gram, c); });
        var state = new PartitionState(gram);
        var labels = candidates.Select(c => c.Labels.ToArray()).ToArray();
        var load = Rate(candidates.Length, 2.0, () => { foreach (var l in labels) state.Load(l); });

        // (b) Incremental: price a move (O(1)) and make one (O(H)).
        state.Load(labels[0]);
        var heads = Enumerable.Range(0, 4096).Select(_ => rng.Next(Heads)).ToArray();
        var delta = Rate(heads.Length, 2.0, () =>
        {
            var sink = 0.0;
            for (var k = 0; k < heads.Length; k++) sink += state.MoveDelta(heads[k], k % state.GroupCount);
            GC.KeepAlive(sink);
        });
        var moved = Rate(heads.Length, 2.0, () =>
        {
            for (var k = 0; k < heads.Length; k++) state.Move(heads[k], k % state.GroupCount);
        });

        // (c) Naive: mean-pool the weight tensors of each group for every candidate (a handful only).
        var naiveCandidates = candidates.Take(5).ToArray();
        var naive = Rate(naiveCandidates.Length, 0.0, () => { foreach (var c in naiveCandidates) NaiveWse(key, value, c); });
        var check = NaiveWse(key, value, candidates[0]);
        var gramValue = WseCalculator.FromGram(gram, candidates[0]);
        Console.WriteLine($"check: naive {check:G12} vs Gram form {gramValue:G12} (relative difference {Math.Abs(check - gramValue) / gramValue:E1})");

        Console.WriteLine();
        Console.WriteLine($"{"evaluation",-52} {"per second",14} {"per evaluation",16} {"vs naive",12}");
        Row("(a) Gram form, full (WseCalculator.FromGram)", full, naive);
        Row("(a') Gram form, full (search state load, O(H²))", load, naive);
        Row("(b) incremental move, priced (MoveDelta, O(1))", delta, naive);
        Row("(b') incremental move, made (Move, O(H))", moved, naive);
        Row("(c) naive: mean-pool K/V tensors per candidate", naive, naive);
    }

    private static GramMatrix BuildGram(float[] key, float[] value)
    {
        // Best of three runs each: the first run of a path also pays for tiered compilation.
        var key64 = Array.ConvertAll(key, x => (double)x);
        var value64 = Array.ConvertAll(value, x => (double)x);
        GramMatrix? gram = null, doubleGram = null;
        double floatSeconds = double.MaxValue, doubleSeconds = double.MaxValue, firstFloat = 0;
        for (var run = 0; run < 3; run++)
        {
            // The float32 path reads the weights once, widening block by block.
            var watch = Stopwatch.StartNew();
            var accumulator = new GramAccumulator(Heads);
            accumulator.AddSegments(key);
            accumulator.AddSegments(value);
            gram = accumulator.Build();
            floatSeconds = Math.Min(floatSeconds, watch.Elapsed.TotalSeconds);
            if (run == 0) firstFloat = watch.Elapsed.TotalSeconds;

            // The float64 path, for a caller that already holds converted weights (conversion not timed).
            watch.Restart();
            var reference = new GramAccumulator(Heads);
            reference.AddSegments(key64);
            reference.AddSegments(value64);
            doubleGram = reference.Build();
            doubleSeconds = Math.Min(doubleSeconds, watch.Elapsed.TotalSeconds);
        }
        var worst = 0.0;
        for (var i = 0; i < Heads * Heads; i++)
            worst = Math.Max(worst, Math.Abs(gram!.Values[i] - doubleGram!.Values[i]) / Math.Abs(doubleGram.Values[i]));
        Console.WriteLine($"Gram build (GramAccumulator, one layer, K and V), best of 3: float32 input {floatSeconds * 1000:F0} ms " +
                          $"(first run {firstFloat * 1000:F0} ms), float64 input {doubleSeconds * 1000:F0} ms; " +
                          $"largest relative difference between the two {worst:E1}");
        return gram!;
    }

    private static LayerGrouping RandomGrouping(Random rng, int groups)
    {
        var order = Enumerable.Range(0, Heads).ToArray();
        rng.Shuffle(order);
        var labels = new int[Heads];
        for (var p = 0; p < Heads; p++) labels[order[p]] = p < groups ? p : rng.Next(groups);
        return LayerGrouping.FromLabels(labels);
    }

    // The fitness the Gram form replaces: per group, the mean of its K (and V) blocks, then squared distances.
    // Written with SIMD so the comparison is with a reasonable implementation, not a strawman.
    private static double NaiveWse(float[] key, float[] value, LayerGrouping grouping)
    {
        var length = HeadDim * Width;
        var mean = new float[length];
        var error = 0.0;
        var width = System.Numerics.Vector<float>.Count;
        foreach (var weight in new[] { key, value })
            foreach (var group in grouping.Groups)
            {
                Array.Clear(mean);
                var meanSpan = mean.AsSpan();
                foreach (var h in group)
                {
                    var head = weight.AsSpan(h * length, length);
                    for (var e = 0; e < length; e += width)
                        (new System.Numerics.Vector<float>(meanSpan.Slice(e, width)) + new System.Numerics.Vector<float>(head.Slice(e, width))).CopyTo(meanSpan.Slice(e, width));
                }
                var scale = new System.Numerics.Vector<float>(1f / group.Count);
                for (var e = 0; e < length; e += width)
                    (new System.Numerics.Vector<float>(meanSpan.Slice(e, width)) * scale).CopyTo(meanSpan.Slice(e, width));
                foreach (var h in group)
                {
                    var head = weight.AsSpan(h * length, length);
                    // Sum each row of the head in float32, the rows in float64.
                    for (var row = 0; row < length; row += Width)
                    {
                        var sum = System.Numerics.Vector<float>.Zero;
                        for (var e = row; e < row + Width; e += width)
                        {
                            var d = new System.Numerics.Vector<float>(head.Slice(e, width)) - new System.Numerics.Vector<float>(meanSpan.Slice(e, width));
                            sum += d * d;
                        }
                        error += System.Numerics.Vector.Sum(sum);
                    }
                }
            }
        return error;
    }

    // Runs `batch` (of `count` evaluations) until at least `seconds` have passed (once at least); evaluations per second.
    private static double Rate(int count, double seconds, Action batch)
    {
        batch(); // warm-up: JIT and caches
        var watch = Stopwatch.StartNew();
        long done = 0;
        do
        {
            batch();
            done += count;
        } while (watch.Elapsed.TotalSeconds < seconds);
        return done / watch.Elapsed.TotalSeconds;
    }

    private static void Row(string name, double rate, double naive)
        => Console.WriteLine($"{name,-52} {rate,14:N0} {Format(1 / rate),16} {rate / naive,11:N0}×");

    private static string Format(double seconds) => seconds switch
    {
        >= 1e-3 => $"{seconds * 1e3:F1} ms",
        >= 1e-6 => $"{seconds * 1e6:F2} µs",
        _ => $"{seconds * 1e9:F1} ns",
    };
}

using System.Diagnostics;
using Qcqa.Core.Statistics;
using Qcqa.Torch.Runtime;
using TorchSharp;

namespace Qcqa.Benchmarks.Statistics;

/// <summary>
/// The statistics stage's choice, measured: the Gram matrix of one Llama-2-7B-shaped layer (32 heads × 128, width
/// 4096; K and V as float32) by the managed blocked accumulator and by libtorch (float64 matmul) on the configured
/// device, side by side, with the largest difference between the two.
/// </summary>
public sealed class GramDeviceBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "gram-device";

    /// <inheritdoc />
    public string Description => "Gram matrix of a Llama-2-7B layer: managed float64 accumulation vs libtorch on the device (arg: cpu|cuda|auto)";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        const int heads = 32, headLength = 128 * 4096;
        var rng = new Random(3);
        var key = new float[heads * headLength];
        var value = new float[heads * headLength];
        for (var i = 0; i < key.Length; i++) { key[i] = (float)(rng.NextDouble() - 0.5) * 0.04f; value[i] = (float)(rng.NextDouble() - 0.5) * 0.04f; }

        GramMatrix Managed()
        {
            var accumulator = new GramAccumulator(heads);
            accumulator.AddWeight(key);
            accumulator.AddWeight(value);
            return accumulator.Build();
        }

        var device = QcqaDevice.Parse(args.Length > 0 ? args[0] : "cpu");
        double[] Torch()
        {
            using var scope = torch.NewDisposeScope();
            var k = torch.tensor(key, [heads, headLength], device: device).to(torch.float64);
            var v = torch.tensor(value, [heads, headLength], device: device).to(torch.float64);
            var gram = k.matmul(k.t()) + v.matmul(v.t());
            return gram.cpu().data<double>().ToArray();
        }

        Managed();
        Torch(); // warm-up: JIT, libtorch kernels, allocator
        var managedTime = Best(3, () => Managed());
        var torchTime = Best(3, () => Torch());
        var a = Managed().Values.ToArray();
        var b = Torch();
        var difference = a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Max(1e-300, Math.Abs(x))).Max();

        Console.WriteLine($"Gram of one layer (32 heads x 128 x 4096, K and V, float32 in, float64 products), best of 3, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"managed GramAccumulator",-34} {managedTime.TotalMilliseconds,9:F1} ms");
        Console.WriteLine($"{"libtorch matmul on " + device,-34} {torchTime.TotalMilliseconds,9:F1} ms  ({torchTime / managedTime:F2}x managed, incl. copy in and out)");
        Console.WriteLine($"largest relative difference {difference:E2}");
    }

    private static TimeSpan Best(int runs, Action action)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            if (watch.Elapsed < best) best = watch.Elapsed;
        }
        return best;
    }
}

using System.Diagnostics;
using Qcqa.Torch.Runtime;
using static TorchSharp.torch;

namespace Qcqa.Benchmarks.Scale;

/// <summary>
/// float32 against bfloat16 for the products that dominate a 7B forward pass (2,048 tokens through a 4096 → 4096 and
/// a 4096 → 11008 projection), side by side in one run, with whether the processor has bfloat16 arithmetic: what
/// <c>evaluation.precision: bfloat16</c> can gain or lose on this machine.
/// </summary>
public sealed class ProjectionPrecisionBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "projection-precision";

    /// <inheritdoc />
    public string Description => "float32 vs bfloat16 throughput of 7B-shaped projections on this processor [--runs N]";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        var runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        TorchRuntime.EnsureInitialized();
        Console.WriteLine($"bfloat16 arithmetic in /proc/cpuinfo: {CpuFeatures.HasBFloat16Arithmetic?.ToString() ?? "unknown"}; threads {get_num_threads()}; load {MachineLoad.Averages()}");
        foreach (var (tokens, inputs, outputs) in new[] { (2048, 4096, 4096), (2048, 4096, 11008) })
        {
            var seconds = new Dictionary<ScalarType, double>();
            foreach (var type in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            {
                using var scope = NewDisposeScope();
                var x = randn(tokens, inputs).to(type);
                var w = randn(outputs, inputs).to(type);
                nn.functional.linear(x, w).Dispose(); // warm-up
                var times = new List<double>();
                for (var r = 0; r < runs; r++)
                {
                    var watch = Stopwatch.StartNew();
                    nn.functional.linear(x, w).Dispose();
                    times.Add(watch.Elapsed.TotalSeconds);
                }
                seconds[type] = times.Order().ElementAt(times.Count / 2);
                Console.WriteLine($"{tokens}×{inputs} → {outputs} {type,-9} {seconds[type] * 1000,8:F0} ms  {2.0 * tokens * inputs * outputs / seconds[type] / 1e9,6:F0} GFLOP/s");
            }
            Console.WriteLine($"    bfloat16 takes {seconds[ScalarType.BFloat16] / seconds[ScalarType.Float32]:F2}× the float32 time");
        }
    }
}

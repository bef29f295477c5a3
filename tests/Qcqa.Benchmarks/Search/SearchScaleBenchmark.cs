using System.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;

namespace Qcqa.Benchmarks.Search;

/// <summary>Whole-model stage-1 time: 32 layers × 32 heads, every G, both modes, default settings.</summary>
public sealed class SearchScaleBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "search-scale";

    /// <inheritdoc />
    public string Description => "whole-model search time, 32 layers x 32 heads, every G, both modes, default settings";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        const int layers = 32, heads = 32;
        var threads = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
        var rng = new Random(7);
        // Half the layers structured, half unstructured: both kinds of landscape a real model shows.
        var grams = Enumerable.Range(0, layers)
            .Select(l => l % 2 == 0 ? SyntheticLayer.ClusteredGram(heads, 6, 0.5, 512, rng) : SyntheticLayer.RandomGram(heads, 512, rng))
            .ToArray();
        // Warm-up (JIT) on one small layer so the first timing is not a compile.
        LayerSearch.Run(SyntheticLayer.RandomGram(8, 16, rng), new SearchSettings());

        foreach (var mode in new[] { GroupingMode.Arbitrary, GroupingMode.Equal })
        {
            var settings = new SearchSettings { Mode = mode, Threads = threads };
            var watch = Stopwatch.StartNew();
            var fronts = ModelSearch.Run(grams, settings);
            var seconds = watch.Elapsed.TotalSeconds;
            var points = fronts.Sum(f => f.Points.Count);
            Console.WriteLine($"{mode,-9}  threads {threads}  population {settings.Population}  generations {settings.Generations}  " +
                              $"local search {(settings.LocalSearch ? "on" : "off")}  →  {seconds:F2} s total, {seconds / layers * threads:F3} s per layer per thread, {points} front points");
        }
    }
}

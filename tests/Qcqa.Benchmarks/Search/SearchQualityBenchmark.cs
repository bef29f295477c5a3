using System.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Benchmarks.Search;

/// <summary>
/// WSE at several G on structured synthetic layers (32 heads around hidden centres, uneven cluster sizes, random
/// head order): GQA, the k-means-style seed, a plain NSGA-II like the authors' reimplementation, and ours.
/// </summary>
public sealed class SearchQualityBenchmark : IBenchmark
{
    private const int SyntheticHeads = 32, SyntheticLayers = 4;
    private static readonly int[] SyntheticGroupCounts = [1, 2, 4, 6, 8, 12, 16, 24];

    /// <inheritdoc />
    public string Name => "search-quality";

    /// <inheritdoc />
    public string Description => "WSE of GQA, k-means seed, plain NSGA-II (authors' configuration) and ours: synthetic heads, or a model folder given as argument";

    /// <inheritdoc />
    public void Run(string[] args)
    {
        // With a model folder (e.g. samples/ReferenceModel/tiny-llama-kjv) the same table is computed on its layers.
        if (args.Length > 0)
        {
            using var checkpoint = Qcqa.Core.Checkpoints.Checkpoint.Open(args[0]);
            var grams = new StatisticsStage(cache: null, Serilog.Core.Logger.None).Run(checkpoint).Grams.ToArray();
            Table($"{Path.GetFileName(Path.GetFullPath(args[0]))}: the model's own K/V heads", grams, Enumerable.Range(1, grams[0].Size - 1).ToArray());
        }
        else
        {
            var rng = new Random(11);
            Table("structured: 8 hidden centres with uneven sizes, noise 0.6",
                Enumerable.Range(0, SyntheticLayers).Select(_ => SyntheticLayer.ClusteredGram(SyntheticHeads, 8, 0.6, 1024, rng)).ToArray(), SyntheticGroupCounts);
            Table("unstructured: independent Gaussian heads",
                Enumerable.Range(0, SyntheticLayers).Select(_ => SyntheticLayer.RandomGram(SyntheticHeads, 1024, rng)).ToArray(), SyntheticGroupCounts);
        }
        Console.WriteLine("columns: relative WSE in % (mean over layers); ratios are ours AC / baseline (below 1 = ours better); GQA and EC only where G divides H;");
        Console.WriteLine("long run AC = ours with population 128, 400 generations, another seed (best known; equal to 'ours AC' means the default budget already converged)");
    }

    private static void Table(string title, GramMatrix[] grams, int[] groupCounts)
    {
        int Heads = grams[0].Size, Layers = grams.Length;
        var watch = Stopwatch.StartNew();
        var ours = ModelSearch.Run(grams, new SearchSettings { Mode = GroupingMode.Arbitrary });
        var oursSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var oursEqual = ModelSearch.Run(grams, new SearchSettings { Mode = GroupingMode.Equal });
        var equalSeconds = watch.Elapsed.TotalSeconds;
        var plainSeconds = 0.0;
        // A long run with another seed: the best known value, to show how close the default budget gets.
        var longRun = ModelSearch.Run(grams, new SearchSettings { Mode = GroupingMode.Arbitrary, Population = 128, Generations = 400, Seed = 99 });

        Console.WriteLine();
        Console.WriteLine($"{Layers} layers × {Heads} heads, {title}");
        Console.WriteLine($"{"G",3} {"GQA",9} {"k-means",9} {"plain NSGA-II",14} {"ours AC",9} {"ours EC",9} {"long run AC",12} {"AC vs GQA",10} {"AC vs plain",12}");
        foreach (var g in groupCounts)
        {
            double gqa = 0, kmeans = 0, plain = 0, ac = 0, ec = 0, best = 0;
            for (var l = 0; l < Layers; l++)
            {
                var gram = grams[l];
                gqa += Heads % g == 0 ? Relative(gram, LayerGrouping.Gqa(Heads, g)) : double.NaN;
                kmeans += Relative(gram, KernelKMeans.Cluster(gram, g));
                watch.Restart();
                plain += PlainNsga2Baseline.Best(gram, g, new Random(100 * l + g)) / gram.Trace;
                plainSeconds += watch.Elapsed.TotalSeconds;
                ac += ours[l][g].Wse / gram.Trace;
                best += longRun[l][g].Wse / gram.Trace;
                ec += Heads % g == 0 ? oursEqual[l][g].Wse / gram.Trace : double.NaN;
            }
            Console.WriteLine($"{g,3} {Pct(gqa),9} {Pct(kmeans),9} {Pct(plain),14} {Pct(ac),9} {Pct(ec),9} {Pct(best),12} {Ratio(ac, gqa),10} {Ratio(ac, plain),12}");
        }
        Console.WriteLine($"time: ours AC {oursSeconds:F2} s for every G 1..{Heads} of {Layers} layers; ours EC {equalSeconds:F2} s for every divisor; " +
                          $"plain NSGA-II {plainSeconds:F2} s for the {groupCounts.Length} G shown ({PlainNsga2Baseline.Population}×{PlainNsga2Baseline.Generations} per G)");

        static double Relative(GramMatrix gram, LayerGrouping grouping) => WseCalculator.FromGram(gram, grouping) / gram.Trace;
        string Pct(double sum) => double.IsNaN(sum) ? "-" : $"{100 * sum / Layers:F3}%";
        static string Ratio(double a, double b) => b > 0 && !double.IsNaN(b) ? $"{a / b:F3}" : "-";
    }
}

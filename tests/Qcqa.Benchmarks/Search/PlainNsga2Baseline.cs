using Qcqa.Core.Search;
using Qcqa.Core.Statistics;

namespace Qcqa.Benchmarks.Search;

/// <summary>
/// A plain NSGA-II configured like the QCQA authors' public reimplementation, for comparison: one run per target G,
/// integer label encoding (gene h = group of head h, in 0..G−1), uniform crossover, random-reset mutation (each gene
/// with probability 1/H), objectives (WSE, groups used), population 100, 10 generations, no local search. Fitness
/// from the Gram form, like ours, so only the search differs.
/// </summary>
internal static class PlainNsga2Baseline
{
    public const int Population = 100, Generations = 10;

    /// <summary>
    /// Best WSE found with at most <paramref name="groupCount"/> non-empty groups (a label encoding leaves some labels
    /// unused, and a grouping with fewer KV heads also meets the budget).
    /// </summary>
    public static double Best(GramMatrix gram, int groupCount, Random rng)
    {
        var h = gram.Size;
        var state = new PartitionState(gram);
        var best = double.PositiveInfinity;
        Candidate Evaluate(int[] genes)
        {
            state.Load(genes);
            var wse = state.Wse;
            if (state.GroupCount <= groupCount) best = Math.Min(best, wse);
            return new Candidate((int[])genes.Clone(), state.GroupCount, wse);
        }

        var population = new List<Candidate>();
        for (var p = 0; p < Population; p++) population.Add(Evaluate(Enumerable.Range(0, h).Select(_ => rng.Next(groupCount)).ToArray()));
        for (var generation = 0; generation < Generations; generation++)
        {
            NonDominatedSorting.Rank(population);
            var offspring = new List<Candidate>();
            while (offspring.Count < Population)
            {
                var a = Tournament(population, rng).Labels;
                var b = Tournament(population, rng).Labels;
                var child = new int[h];
                for (var g = 0; g < h; g++)
                {
                    child[g] = rng.Next(2) == 0 ? a[g] : b[g];
                    if (rng.NextDouble() < 1.0 / h) child[g] = rng.Next(groupCount);
                }
                offspring.Add(Evaluate(child));
            }
            offspring.AddRange(population);
            population = NonDominatedSorting.Survive(offspring, Population);
        }
        return best;
    }

    private static Candidate Tournament(List<Candidate> population, Random rng)
    {
        var a = population[rng.Next(population.Count)];
        var b = population[rng.Next(population.Count)];
        return NonDominatedSorting.Beats(b, a) ? b : a;
    }
}

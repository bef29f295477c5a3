using Qcqa.Core.Statistics;

namespace Qcqa.Core.Tests.Search;

/// <summary>Gram matrices of synthetic layers, built through <see cref="GramAccumulator"/> like real ones.</summary>
internal static class TestGrams
{
    /// <summary>H independent Gaussian head vectors of length <paramref name="dimension"/>.</summary>
    public static GramMatrix Random(int heads, int seed, int dimension = 24)
    {
        var rng = new Random(seed);
        var vectors = new double[heads * dimension];
        for (var e = 0; e < vectors.Length; e++) vectors[e] = Gaussian(rng);
        return Build(heads, vectors);
    }

    /// <summary>
    /// Heads drawn around a few hidden centres with noise, in a random head order and with uneven cluster sizes,
    /// so neighbouring-head GQA is poor and the structure is there to be found.
    /// </summary>
    public static GramMatrix Clustered(int heads, int seed, int clusters = 3, double noise = 0.3, int dimension = 24)
    {
        var rng = new Random(seed);
        var centres = new double[clusters * dimension];
        for (var e = 0; e < centres.Length; e++) centres[e] = Gaussian(rng);
        var vectors = new double[heads * dimension];
        for (var h = 0; h < heads; h++)
        {
            // Skewed choice of cluster gives uneven sizes.
            var c = (int)(clusters * Math.Pow(rng.NextDouble(), 1.7));
            for (var e = 0; e < dimension; e++) vectors[h * dimension + e] = centres[c * dimension + e] + noise * Gaussian(rng);
        }
        return Build(heads, vectors);
    }

    private static GramMatrix Build(int heads, double[] vectors)
    {
        var accumulator = new GramAccumulator(heads);
        accumulator.AddSegments(vectors);
        return accumulator.Build();
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

using Qcqa.Core.Statistics;

namespace Qcqa.Benchmarks.Search;

/// <summary>In-memory random layers for the search benchmarks (no checkpoint I/O).</summary>
internal static class SyntheticLayer
{
    /// <summary>A random float32 projection weight [heads·headDim, width], row-major (head h = contiguous slice h).</summary>
    public static float[] RandomWeight(int heads, int headDim, int width, Random rng)
    {
        var weight = new float[heads * headDim * width];
        for (var e = 0; e < weight.Length; e++) weight[e] = (float)(Gaussian(rng) * 0.02);
        return weight;
    }

    /// <summary>
    /// Heads around hidden centres: each head's K and V are a centre plus noise, centres chosen with uneven
    /// frequencies and heads in random order, so the structure is there to be found but not by neighbouring heads.
    /// Returns the Gram matrix only (vectors of length <paramref name="dimension"/>).
    /// </summary>
    public static GramMatrix ClusteredGram(int heads, int clusters, double noise, int dimension, Random rng)
    {
        var centres = new double[clusters * dimension];
        for (var e = 0; e < centres.Length; e++) centres[e] = Gaussian(rng);
        var vectors = new double[heads * dimension];
        for (var h = 0; h < heads; h++)
        {
            var c = (int)(clusters * Math.Pow(rng.NextDouble(), 1.5));
            for (var e = 0; e < dimension; e++) vectors[h * dimension + e] = centres[c * dimension + e] + noise * Gaussian(rng);
        }
        var accumulator = new GramAccumulator(heads);
        accumulator.AddSegments(vectors);
        return accumulator.Build();
    }

    /// <summary>Independent Gaussian heads (no structure).</summary>
    public static GramMatrix RandomGram(int heads, int dimension, Random rng)
    {
        var vectors = new double[heads * dimension];
        for (var e = 0; e < vectors.Length; e++) vectors[e] = Gaussian(rng);
        var accumulator = new GramAccumulator(heads);
        accumulator.AddSegments(vectors);
        return accumulator.Build();
    }

    public static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

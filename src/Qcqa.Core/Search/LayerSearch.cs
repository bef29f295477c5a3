using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>
/// Stage 1 for one layer: a multi-objective evolutionary search (NSGA-II over WSE and G, in the spirit of QCQA)
/// whose fitness comes from the Gram matrix alone. Returns the best grouping found for every allowed G.
/// </summary>
public static class LayerSearch
{
    /// <summary>Searches one layer.</summary>
    /// <param name="gram">The layer's Gram matrix A = K Kᵀ + V Vᵀ.</param>
    /// <param name="settings">Mode, population, generations, seed and local search (threads are not used here).</param>
    /// <param name="layerIndex">The layer's index; with the seed it selects the layer's own random stream.</param>
    /// <param name="cancellation">Checked between generations.</param>
    /// <returns>
    /// One point per allowed G (AC: 1..H; EC: divisors of H); G = H is the identity with WSE 0. Every point is at
    /// least as good as GQA (when G divides H) and every heuristic seed of <see cref="HeuristicSeeds"/> at that G.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public static LayerFront Run(GramMatrix gram, SearchSettings settings, int layerIndex = 0, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(gram);
        Preconditions.CheckNotNull(settings).Validate();
        Preconditions.CheckRange(layerIndex, 0, int.MaxValue);
        return new LayerSearchRun(gram, settings, LayerRandom.Create(settings.Seed, layerIndex)).Run(cancellation);
    }
}

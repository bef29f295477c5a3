namespace Qcqa.Core.Allocation;

/// <summary>
/// Exact multiple-choice knapsack by dynamic programming over (layer, KV heads used): pick one option per layer
/// minimising the summed cost with the summed weight within the capacity. O(layers × capacity × options).
/// </summary>
internal static class MultipleChoiceKnapsack
{
    /// <summary>The index of the chosen option per layer, or null when no choice fits.</summary>
    /// <param name="options">Per layer, (weight, cost) pairs; weights ≥ 0.</param>
    /// <param name="capacity">Most total weight allowed.</param>
    /// <remarks>Ties: the least total weight wins, then, layer by layer from the last, the earlier option.</remarks>
    public static int[]? Solve(IReadOnlyList<IReadOnlyList<(int Weight, double Cost)>> options, int capacity)
    {
        var layers = options.Count;
        var width = capacity + 1;
        // cost[l][u]: least cost of layers 0..l-1 using exactly u; pick[l][u]: option of layer l-1 achieving it.
        var cost = new double[layers + 1][];
        var pick = new int[layers + 1][];
        for (var l = 0; l <= layers; l++)
        {
            cost[l] = new double[width];
            Array.Fill(cost[l], double.PositiveInfinity);
            pick[l] = new int[width];
        }
        cost[0][0] = 0;
        for (var l = 0; l < layers; l++)
        {
            var from = cost[l];
            var to = cost[l + 1];
            for (var u = 0; u < width; u++)
            {
                if (double.IsPositiveInfinity(from[u])) continue;
                for (var o = 0; o < options[l].Count; o++)
                {
                    var (weight, c) = options[l][o];
                    var v = u + weight;
                    if (v >= width) continue;
                    var total = from[u] + c;
                    if (total < to[v])
                    {
                        to[v] = total;
                        pick[l + 1][v] = o;
                    }
                }
            }
        }
        var best = -1;
        for (var u = 0; u < width; u++)
            if (cost[layers][u] < (best < 0 ? double.PositiveInfinity : cost[layers][best])) best = u;
        if (best < 0) return null;
        var chosen = new int[layers];
        for (var l = layers; l > 0; l--)
        {
            chosen[l - 1] = pick[l][best];
            best -= options[l - 1][chosen[l - 1]].Weight;
        }
        return chosen;
    }
}

using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>
/// Agglomerative clustering with Ward's criterion, computed exactly from the Gram matrix: merging groups S and T
/// raises WSE by |S||T|/(|S|+|T|)·‖μ_S − μ_T‖² = P(S)/|S| + P(T)/|T| − P(S∪T)/(|S|+|T|), and the cheapest merge
/// is taken at every step. One pass from singletons to one group yields a grouping for every G (AC seeds).
/// </summary>
public static class WardAgglomeration
{
    /// <summary>The groupings of the whole merge sequence: element G−1 has G groups (G = H is the identity).</summary>
    public static IReadOnlyList<LayerGrouping> Dendrogram(GramMatrix gram)
    {
        Preconditions.CheckNotNull(gram);
        var h = gram.Size;
        // Invariants: active[a] tells whether cluster a still exists; for active a, b: pair[a] = P(S_a),
        // size[a] = |S_a|, between[a*h+b] = Σ_{i∈S_a, j∈S_b} A_ij; labels[i] is the cluster of head i.
        var active = Enumerable.Repeat(true, h).ToArray();
        var size = Enumerable.Repeat(1, h).ToArray();
        var pair = new double[h];
        var between = gram.Values.ToArray();
        var labels = Enumerable.Range(0, h).ToArray();
        for (var i = 0; i < h; i++) pair[i] = gram[i, i];

        var result = new LayerGrouping[h];
        result[h - 1] = LayerGrouping.Identity(h);
        for (var groups = h; groups > 1; groups--)
        {
            int bestA = -1, bestB = -1;
            var bestCost = double.PositiveInfinity;
            for (var a = 0; a < h; a++)
            {
                if (!active[a]) continue;
                for (var b = a + 1; b < h; b++)
                {
                    if (!active[b]) continue;
                    var merged = pair[a] + pair[b] + 2 * between[a * h + b];
                    var cost = pair[a] / size[a] + pair[b] / size[b] - merged / (size[a] + size[b]);
                    if (cost < bestCost) (bestCost, bestA, bestB) = (cost, a, b);
                }
            }
            pair[bestA] += pair[bestB] + 2 * between[bestA * h + bestB];
            size[bestA] += size[bestB];
            active[bestB] = false;
            for (var c = 0; c < h; c++)
            {
                between[bestA * h + c] += between[bestB * h + c];
                between[c * h + bestA] = between[bestA * h + c];
            }
            for (var i = 0; i < h; i++)
                if (labels[i] == bestB) labels[i] = bestA;
            result[groups - 2] = LayerGrouping.FromLabels(labels);
        }
        return result;
    }
}

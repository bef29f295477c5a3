using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Wse;

/// <summary>
/// The weight-sharing error (WSE) of a grouping: Σ_S Σ_{h∈S} (‖K_h − K̄_S‖² + ‖V_h − V̄_S‖²), the k-means objective
/// of the flattened KV heads. Computed two ways that must agree: directly from weights (the definition, used to
/// check), and from the Gram matrix (what the search uses: O(|S|²) per group, no tensor access).
/// </summary>
public static class WseCalculator
{
    /// <summary>WSE of a whole layer from its Gram matrix.</summary>
    public static double FromGram(GramMatrix gram, LayerGrouping grouping)
    {
        Preconditions.CheckArgument(gram.Size == grouping.HeadCount, $"Gram matrix is {gram.Size}×{gram.Size} but the grouping covers {grouping.HeadCount} heads.");
        var total = 0.0;
        foreach (var group in grouping.Groups) total += GroupFromGram(gram, group);
        return total;
    }

    /// <summary>
    /// WSE of one group: Σ_{h∈S} A_hh − (1/|S|) Σ_{i,j∈S} A_ij. Clamped at zero because the two sums are large
    /// and nearly equal for similar heads; a negative result is rounding, not information.
    /// </summary>
    public static double GroupFromGram(GramMatrix gram, IReadOnlyList<int> group)
    {
        var diagonal = 0.0;
        var all = 0.0;
        for (var a = 0; a < group.Count; a++)
        {
            var i = group[a];
            diagonal += gram[i, i];
            all += gram[i, i];
            for (var b = a + 1; b < group.Count; b++) all += 2 * gram[i, group[b]];
        }
        return Math.Max(0.0, diagonal - all / group.Count);
    }

    /// <summary>
    /// WSE by the definition: mean-pool each group's head blocks and sum squared distances. K and V are the layer's
    /// projection weights flattened row-major ([H·d, D]), so head h is the contiguous slice [h·d·D, (h+1)·d·D).
    /// </summary>
    public static double Direct(ReadOnlySpan<double> keyWeight, ReadOnlySpan<double> valueWeight, LayerGrouping grouping)
    {
        Preconditions.CheckArgument(keyWeight.Length == valueWeight.Length, "K and V weights must have the same size.");
        Preconditions.CheckArgument(keyWeight.Length % grouping.HeadCount == 0, "The weights do not split into the grouping's heads.");
        var headLength = keyWeight.Length / grouping.HeadCount;
        return DirectOne(keyWeight, headLength, grouping) + DirectOne(valueWeight, headLength, grouping);
    }

    private static double DirectOne(ReadOnlySpan<double> weight, int headLength, LayerGrouping grouping)
    {
        var mean = new double[headLength];
        var error = 0.0;
        foreach (var group in grouping.Groups)
        {
            Array.Clear(mean);
            foreach (var h in group)
            {
                var head = weight.Slice(h * headLength, headLength);
                for (var e = 0; e < headLength; e++) mean[e] += head[e];
            }
            for (var e = 0; e < headLength; e++) mean[e] /= group.Count;
            foreach (var h in group)
            {
                var head = weight.Slice(h * headLength, headLength);
                for (var e = 0; e < headLength; e++)
                {
                    var d = head[e] - mean[e];
                    error += d * d;
                }
            }
        }
        return error;
    }

    /// <summary>WSE relative to the layer's energy Σ_h (‖K_h‖² + ‖V_h‖²); 0 when the layer has no energy.</summary>
    public static double Relative(double wse, GramMatrix gram)
    {
        var trace = gram.Trace;
        return trace > 0 ? wse / trace : 0.0;
    }
}

using System.Numerics;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Tests.Search;

/// <summary>
/// Exact optima by dynamic programming over subsets, independent of the search code. best_G(M), the least WSE of
/// splitting head set M into G groups, is the minimum over groups S holding M's lowest head of
/// WSE(S) + best_{G−1}(M ∖ S); restricting S to size H/G gives the equal-size optimum. About 3^H steps per G.
/// </summary>
internal static class ExactOptimum
{
    /// <summary>Best WSE over all partitions with G groups, indexed by G (index 0 unused).</summary>
    public static double[] Arbitrary(GramMatrix gram) => Solve(GroupWse(gram), gram.Size, gram.Size, size: 0);

    /// <summary>Best WSE over equal-size partitions with G groups, indexed by G (∞ where G does not divide H).</summary>
    public static double[] Equal(GramMatrix gram)
    {
        var h = gram.Size;
        var groupWse = GroupWse(gram);
        var equal = Enumerable.Repeat(double.PositiveInfinity, h + 1).ToArray();
        for (var g = 1; g <= h; g++)
            if (h % g == 0) equal[g] = Solve(groupWse, h, g, size: h / g)[g];
        return equal;
    }

    // WSE of every subset of heads (bit i = head i).
    private static double[] GroupWse(GramMatrix gram)
    {
        var h = gram.Size;
        if (h > 14) throw new ArgumentException("Subset DP is for H ≤ 14.");
        var full = (1 << h) - 1;
        var groupWse = new double[1 << h];
        for (var s = 1; s <= full; s++)
        {
            double diag = 0, pair = 0;
            for (var i = 0; i < h; i++)
            {
                if ((s & (1 << i)) == 0) continue;
                diag += gram[i, i];
                for (var j = 0; j < h; j++)
                    if ((s & (1 << j)) != 0) pair += gram[i, j];
            }
            groupWse[s] = diag - pair / BitOperations.PopCount((uint)s);
        }
        return groupWse;
    }

    // Element g: the optimum for the whole head set with exactly g groups, g ≤ `groups`; size > 0 restricts every
    // group to that size.
    private static double[] Solve(double[] groupWse, int h, int groups, int size)
    {
        var atFull = new double[groups + 1];
        var count = 1 << h;
        var previous = new double[count];
        Array.Fill(previous, double.PositiveInfinity);
        previous[0] = 0;
        for (var g = 1; g <= groups; g++)
        {
            var current = new double[count];
            Array.Fill(current, double.PositiveInfinity);
            for (var mask = 1; mask < count; mask++)
            {
                var low = mask & -mask;
                var rest = mask ^ low;
                // Every subset `sub` of the rest, including the empty one, joins the lowest head.
                for (var sub = rest; ; sub = (sub - 1) & rest)
                {
                    var group = sub | low;
                    if (size == 0 || BitOperations.PopCount((uint)group) == size)
                    {
                        var cost = groupWse[group] + previous[mask ^ group];
                        if (cost < current[mask]) current[mask] = cost;
                    }
                    if (sub == 0) break;
                }
            }
            previous = current;
            atFull[g] = current[count - 1];
        }
        return atFull;
    }

    /// <summary>
    /// The optimum with groups of two (EC at G = H/2) by DP over subsets: the lowest unpaired head is paired with
    /// each other unpaired head in turn; the cost of pair {i, j} is (A_ii + A_jj − 2A_ij)/2. H ≤ 22, even.
    /// </summary>
    public static double BestPairing(GramMatrix gram)
    {
        var h = gram.Size;
        if (h % 2 != 0 || h > 22) throw new ArgumentException("Pairing DP is for even H ≤ 22.");
        var full = (1 << h) - 1;
        var best = new double[1 << h];
        Array.Fill(best, double.PositiveInfinity);
        best[0] = 0;
        for (var used = 0; used < full; used++)
        {
            if (double.IsPositiveInfinity(best[used])) continue;
            var i = BitOperations.TrailingZeroCount(~used);
            for (var j = i + 1; j < h; j++)
            {
                if ((used & (1 << j)) != 0) continue;
                var next = used | (1 << i) | (1 << j);
                var cost = best[used] + (gram[i, i] + gram[j, j] - 2 * gram[i, j]) / 2;
                if (cost < best[next]) best[next] = cost;
            }
        }
        return best[full];
    }
}

using Qcqa.Core.Grouping;
namespace Qcqa.Core.Search;

/// <summary>
/// Group-preserving crossover: the child inherits a random subset of parent A's groups whole, then parent B's
/// groups restricted to the heads still unassigned. Treating groups (not labels) as the genes means a good group
/// survives crossover intact whatever labels the parents happen to use.
/// </summary>
internal static class PartitionCrossover
{
    /// <summary>
    /// Produces a child into <paramref name="state"/> with G = G_A. AC: B's restricted groups are all taken, then
    /// the count is repaired to G_A. EC (parents must have the same G): only those of B's groups that are wholly
    /// unassigned are taken, and the remaining heads are regrouped greedily into groups of H/G.
    /// </summary>
    public static void Cross(Candidate a, Candidate b, GroupingMode mode, PartitionState state, Random rng)
    {
        var h = a.Labels.Length;
        var child = new int[h];
        Array.Fill(child, -1);
        // Take each of A's groups with probability ½, but at least one and (when possible) not all of them.
        var taken = new bool[a.GroupCount];
        var count = 0;
        for (var g = 0; g < a.GroupCount; g++)
            if (taken[g] = rng.Next(2) == 0) count++;
        if (count == 0) taken[rng.Next(a.GroupCount)] = true;
        else if (count == a.GroupCount && a.GroupCount > 1) taken[rng.Next(a.GroupCount)] = false;
        for (var i = 0; i < h; i++)
            if (taken[a.Labels[i]]) child[i] = a.Labels[i];

        var next = a.GroupCount;
        if (mode == GroupingMode.Arbitrary)
        {
            // B's group g restricted to unassigned heads becomes label next + g (empty ones simply vanish).
            for (var i = 0; i < h; i++)
                if (child[i] < 0) child[i] = next + b.Labels[i];
            state.Load(child);
            PartitionRepair.ToGroupCount(state, a.GroupCount);
            return;
        }

        var intact = new bool[b.GroupCount];
        Array.Fill(intact, true);
        for (var i = 0; i < h; i++)
            if (child[i] >= 0) intact[b.Labels[i]] = false;
        for (var i = 0; i < h; i++)
            if (intact[b.Labels[i]]) child[i] = next + b.Labels[i];
        PartitionRepair.FillEqualGroups(state, child, h / a.GroupCount, next + b.GroupCount, rng);
        state.Load(child);
    }
}

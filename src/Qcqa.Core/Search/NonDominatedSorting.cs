namespace Qcqa.Core.Search;

/// <summary>
/// NSGA-II's ranking (Deb et al. 2002): fast non-dominated sorting into fronts, crowding distance inside each
/// front, and elitist survival by (rank, crowding).
/// </summary>
internal static class NonDominatedSorting
{
    /// <summary>Sets <see cref="Candidate.Rank"/> and <see cref="Candidate.Crowding"/> on every candidate; returns the fronts, best first.</summary>
    public static List<List<Candidate>> Rank(IReadOnlyList<Candidate> candidates)
    {
        var n = candidates.Count;
        var dominatedBy = new int[n]; // how many candidates dominate i
        var dominates = new List<int>[n];
        var fronts = new List<List<Candidate>>();
        var current = new List<int>();
        for (var i = 0; i < n; i++)
        {
            dominates[i] = new List<int>();
            for (var j = 0; j < n; j++)
            {
                if (i == j) continue;
                if (candidates[i].Dominates(candidates[j])) dominates[i].Add(j);
                else if (candidates[j].Dominates(candidates[i])) dominatedBy[i]++;
            }
            if (dominatedBy[i] == 0) current.Add(i);
        }
        var rank = 0;
        while (current.Count > 0)
        {
            var front = new List<Candidate>(current.Count);
            var next = new List<int>();
            foreach (var i in current)
            {
                candidates[i].Rank = rank;
                front.Add(candidates[i]);
                foreach (var j in dominates[i])
                    if (--dominatedBy[j] == 0) next.Add(j);
            }
            AssignCrowding(front);
            fronts.Add(front);
            current = next;
            rank++;
        }
        return fronts;
    }

    /// <summary>Keeps the best <paramref name="size"/> candidates by rank, then by crowding (larger first).</summary>
    public static List<Candidate> Survive(IReadOnlyList<Candidate> candidates, int size)
    {
        var survivors = new List<Candidate>(size);
        foreach (var front in Rank(candidates))
        {
            if (survivors.Count + front.Count <= size)
            {
                survivors.AddRange(front);
                continue;
            }
            // Stable sort with an index tie-break keeps the result independent of the sort algorithm.
            var order = Enumerable.Range(0, front.Count).OrderByDescending(i => front[i].Crowding).ThenBy(i => i);
            survivors.AddRange(order.Take(size - survivors.Count).Select(i => front[i]));
            break;
        }
        return survivors;
    }

    /// <summary>Crowded-comparison: true when <paramref name="a"/> should win a tournament against <paramref name="b"/>.</summary>
    public static bool Beats(Candidate a, Candidate b)
        => a.Rank < b.Rank || (a.Rank == b.Rank && a.Crowding > b.Crowding);

    private static void AssignCrowding(List<Candidate> front)
    {
        foreach (var c in front) c.Crowding = 0;
        if (front.Count <= 2)
        {
            foreach (var c in front) c.Crowding = double.PositiveInfinity;
            return;
        }
        AddObjective(front, c => c.Wse);
        AddObjective(front, c => c.GroupCount);
    }

    private static void AddObjective(List<Candidate> front, Func<Candidate, double> objective)
    {
        var order = Enumerable.Range(0, front.Count).OrderBy(i => objective(front[i])).ThenBy(i => i).ToArray();
        var low = objective(front[order[0]]);
        var high = objective(front[order[^1]]);
        front[order[0]].Crowding = double.PositiveInfinity;
        front[order[^1]].Crowding = double.PositiveInfinity;
        if (!(high > low)) return;
        for (var k = 1; k < order.Length - 1; k++)
            front[order[k]].Crowding += (objective(front[order[k + 1]]) - objective(front[order[k - 1]])) / (high - low);
    }
}

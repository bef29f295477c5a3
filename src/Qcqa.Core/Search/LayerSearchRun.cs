using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Core.Search;

/// <summary>
/// One layer's search: seeds, NSGA-II generations over (WSE, G) with partition operators and optional local
/// search of every offspring, a final polish that also passes improvements between neighbouring G, and the exact
/// front. Single-threaded and deterministic for its <see cref="Random"/>.
/// </summary>
internal sealed class LayerSearchRun
{
    private readonly GramMatrix _gram;
    private readonly SearchSettings _settings;
    private readonly Random _rng;
    private readonly int _h;
    private readonly int[] _allowed; // allowed G, ascending
    private readonly double _tolerance; // smallest WSE drop that counts as an improvement
    private readonly PartitionState _state;
    private readonly PartitionState _scratch;
    private readonly ParetoArchive _archive;
    private readonly List<LayerGrouping> _seeds = new();

    public LayerSearchRun(GramMatrix gram, SearchSettings settings, Random rng)
    {
        _gram = gram;
        _settings = settings;
        _rng = rng;
        _h = gram.Size;
        _allowed = settings.Mode.AllowedGroupCounts(_h).ToArray();
        // Rounding in the incremental sums is about 1e-16 of the trace per update; demanding 1e-12 keeps local
        // search from chasing noise while still resolving any real difference.
        _tolerance = 1e-12 * Math.Max(gram.Trace, 0.0);
        _state = new PartitionState(gram);
        _scratch = new PartitionState(gram);
        _archive = new ParetoArchive(_h);
    }

    public LayerFront Run(CancellationToken cancellation)
    {
        var population = Initialise();
        for (var generation = 0; generation < _settings.Generations; generation++)
        {
            cancellation.ThrowIfCancellationRequested();
            population = NextGeneration(population);
        }
        Polish(cancellation);
        return BuildFront();
    }

    private List<Candidate> Initialise()
    {
        _seeds.AddRange(HeuristicSeeds.For(_gram, _settings.Mode));
        var pool = new List<Candidate>();
        var keys = new HashSet<PartitionKey>();
        foreach (var seed in _seeds)
        {
            _state.Load(seed.Labels.ToArray());
            AddFinished(pool, keys);
        }
        for (var attempts = 0; pool.Count < _settings.Population && attempts < 4 * _settings.Population; attempts++)
        {
            RandomPartition(_state);
            AddFinished(pool, keys);
        }
        return NonDominatedSorting.Survive(pool, _settings.Population);
    }

    private List<Candidate> NextGeneration(List<Candidate> population)
    {
        NonDominatedSorting.Rank(population);
        var keys = new HashSet<PartitionKey>(population.Select(c => c.Key));
        var offspring = new List<Candidate>(population.Count);
        for (var attempts = 0; offspring.Count < population.Count && attempts < 4 * population.Count; attempts++)
        {
            var a = Tournament(population);
            var crossed = false;
            if (_rng.NextDouble() < _settings.CrossoverRate && PartnerFor(a, population) is { } b)
            {
                PartitionCrossover.Cross(a, b, _settings.Mode, _state, _rng);
                crossed = true;
            }
            else
            {
                _state.Load(a.Labels);
            }
            if (!crossed || _rng.Next(2) == 0) PartitionMutation.Mutate(_state, _settings.Mode, _rng);
            AddFinished(offspring, keys);
        }
        offspring.AddRange(population);
        return NonDominatedSorting.Survive(offspring, population.Count);
    }

    // Polishes the state (if enabled), records it in the archive, and adds it to the list unless it is a duplicate.
    private void AddFinished(List<Candidate> into, HashSet<PartitionKey> keys)
    {
        if (_settings.LocalSearch) LocalSearch.Polish(_state, _settings.Mode, _tolerance);
        var candidate = Candidate.From(_state);
        _archive.Offer(candidate);
        if (keys.Add(candidate.Key)) into.Add(candidate);
    }

    private Candidate Tournament(List<Candidate> population)
    {
        var a = population[_rng.Next(population.Count)];
        var b = population[_rng.Next(population.Count)];
        return NonDominatedSorting.Beats(b, a) ? b : a;
    }

    // AC: any tournament winner. EC: crossover needs equal group sizes, so a tournament among parents with A's G.
    private Candidate? PartnerFor(Candidate a, List<Candidate> population)
    {
        if (_settings.Mode == GroupingMode.Arbitrary)
        {
            var b = Tournament(population);
            return ReferenceEquals(a, b) ? null : b;
        }
        var same = population.Where(c => c.GroupCount == a.GroupCount && !ReferenceEquals(c, a)).ToList();
        if (same.Count == 0) return null;
        var x = same[_rng.Next(same.Count)];
        var y = same[_rng.Next(same.Count)];
        return NonDominatedSorting.Beats(y, x) ? y : x;
    }

    private void RandomPartition(PartitionState state)
    {
        var g = _allowed[_rng.Next(_allowed.Length)];
        var order = Enumerable.Range(0, _h).ToArray();
        _rng.Shuffle(order);
        var labels = new int[_h];
        if (_settings.Mode == GroupingMode.Equal)
        {
            var size = _h / g;
            for (var p = 0; p < _h; p++) labels[order[p]] = p / size;
        }
        else
        {
            // The first G heads of a random order found the groups, so exactly G are non-empty.
            for (var p = 0; p < _h; p++) labels[order[p]] = p < g ? p : _rng.Next(g);
        }
        state.Load(labels);
    }

    private void Polish(CancellationToken cancellation)
    {
        foreach (var g in _allowed)
        {
            if (_archive[g] is not { } best) continue;
            _state.Load(best.Labels);
            LocalSearch.Polish(_state, _settings.Mode, _tolerance);
            _archive.Offer(Candidate.From(_state));
        }
        if (_settings.Mode != GroupingMode.Arbitrary) return;
        // The best grouping at G, split once or merged once, is a strong start at G ± 1; repeat while that helps.
        for (var sweep = 0; sweep < _h; sweep++)
        {
            cancellation.ThrowIfCancellationRequested();
            var improved = false;
            for (var g = 1; g < _h; g++)
            {
                _state.Load(_archive[g]!.Labels);
                PartitionRepair.SplitBestHead(_state);
                improved |= Finish();
            }
            for (var g = _h; g > 1; g--)
            {
                _state.Load(_archive[g]!.Labels);
                PartitionRepair.MergeCheapest(_state);
                improved |= Finish();
            }
            if (!improved) break;
        }
    }

    private bool Finish()
    {
        if (_settings.LocalSearch) LocalSearch.Polish(_state, _settings.Mode, _tolerance);
        else _state.Recompute();
        var candidate = Candidate.From(_state);
        var before = _archive[candidate.GroupCount]?.Wse ?? double.PositiveInfinity;
        return _archive.Offer(candidate) && candidate.Wse < before - _tolerance;
    }

    // The reported WSE is recomputed by WseCalculator for the archive's best and every seed, so the guarantee
    // "never worse than a seed" holds exactly, not just up to the incremental sums' rounding.
    private LayerFront BuildFront()
    {
        var points = new List<FrontPoint>();
        foreach (var g in _allowed)
        {
            double? seedWse = null;
            LayerGrouping? best = null;
            var bestWse = double.PositiveInfinity;
            foreach (var seed in _seeds)
            {
                if (seed.GroupCount != g) continue;
                var wse = WseCalculator.FromGram(_gram, seed);
                seedWse = Math.Min(seedWse ?? double.PositiveInfinity, wse);
                if (wse < bestWse) (bestWse, best) = (wse, seed);
            }
            if (_archive[g] is { } found)
            {
                var grouping = LayerGrouping.FromLabels(found.Labels);
                var wse = WseCalculator.FromGram(_gram, grouping);
                if (wse <= bestWse) (bestWse, best) = (wse, grouping);
            }
            points.Add(new FrontPoint(best!, bestWse, seedWse));
        }
        return new LayerFront(_h, _settings.Mode, _gram.Trace, points);
    }
}

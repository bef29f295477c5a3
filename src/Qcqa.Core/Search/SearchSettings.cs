using Qcqa.Core.Grouping;
namespace Qcqa.Core.Search;

/// <summary>
/// How the per-layer search runs. Part of the cache key of a search result, so every field that changes the
/// result is here and nothing else is.
/// </summary>
public sealed record SearchSettings
{
    /// <summary>Which partitions are allowed (default: arbitrary group sizes, QCQA-AC).</summary>
    public GroupingMode Mode { get; init; } = GroupingMode.Arbitrary;

    /// <summary>NSGA-II population size (default 64).</summary>
    public int Population { get; init; } = 64;

    /// <summary>NSGA-II generations (default 40).</summary>
    public int Generations { get; init; } = 40;

    /// <summary>Seed of the random choices; the result depends on it and on nothing else (not on <see cref="Threads"/>).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Layers searched at once (default: the machine's processor count).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Polish every offspring and the final groupings by best-improvement local search (moves and swaps at fixed G).
    /// Default on; off gives a plain evolutionary search, much weaker.
    /// </summary>
    public bool LocalSearch { get; init; } = true;

    /// <summary>Probability that an offspring is produced by crossover rather than by copying a parent (default 0.9).</summary>
    public double CrossoverRate { get; init; } = 0.9;

    /// <summary>Checks every field; called by the search before it starts.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    public void Validate()
    {
        Preconditions.CheckRange(Population, 4, 100_000, nameof(Population));
        Preconditions.CheckRange(Generations, 0, 1_000_000, nameof(Generations));
        Preconditions.CheckRange(Threads, 1, 1024, nameof(Threads));
        if (!(CrossoverRate >= 0 && CrossoverRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(CrossoverRate), CrossoverRate, "Value must be in [0, 1].");
        if (!Mode.IsSearched()) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Only the equal and arbitrary modes are searched.");
    }
}

using Qcqa.Core.Diagnostics;
namespace Qcqa.Core.Spec;

/// <summary>
/// Settings of the evolutionary search (the spec's <c>search</c> mapping). Any key a variant leaves out comes from
/// <c>defaults.search</c>, then from <see cref="Default"/>.
/// </summary>
/// <param name="Population">Candidates per generation, at least 2.</param>
/// <param name="Generations">Generations to run, at least 1.</param>
/// <param name="Seed">Random seed; the same seed and inputs give the same grouping.</param>
/// <param name="Location">Where the (variant's, else the defaults') search mapping was written.</param>
public sealed record SearchSettingsSpec(int Population, int Generations, int Seed, SourceLocation Location = default)
{
    /// <summary>Smallest allowed population.</summary>
    public const int MinPopulation = 2;
    /// <summary>Largest allowed population.</summary>
    public const int MaxPopulation = 100_000;
    /// <summary>Largest allowed number of generations.</summary>
    public const int MaxGenerations = 1_000_000;

    /// <summary>What a spec without any <c>search</c> key gets: population 64, 40 generations, seed 1.</summary>
    public static SearchSettingsSpec Default { get; } = new(64, 40, 1);
}

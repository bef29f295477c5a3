using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>The input of the search stage.</summary>
/// <param name="Statistics">The model's Gram matrices and layer content hashes (the statistics stage's output).</param>
/// <param name="Mode">The mode whose fronts to build.</param>
/// <param name="Settings">Population, generations, seed and threads (used by the searched modes only).</param>
/// <param name="Fitness">The aligned fitness, or null to search on the plain WSE of <paramref name="Statistics"/>.</param>
public sealed record SearchInput(ModelStatistics Statistics, GroupingMode Mode, SearchSettings Settings, SearchFitness? Fitness = null)
{
    /// <summary>What the search is for in progress lines (<c>model/variant</c>); the statistics' label (the model) when null.</summary>
    public string? Label { get; init; }
}

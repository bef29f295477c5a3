using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Search;

/// <summary>
/// An alternative fitness for the search: the aligned merge's pairwise error as pseudo-Gram matrices (the search runs on
/// them unchanged), and the exact error that then rescores every front point.
/// </summary>
/// <param name="Statistics">The aligned fitness matrices, layer contents and identity.</param>
/// <param name="ExactErrors">The exact aligned errors of groupings of a layer, in their order.</param>
public sealed record SearchFitness(AlignedStatistics Statistics, Func<int, IReadOnlyList<LayerGrouping>, double[]> ExactErrors);

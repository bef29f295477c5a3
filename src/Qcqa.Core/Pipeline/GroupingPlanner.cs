using Qcqa.Core.Allocation;
using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Spec;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The search and allocation stages for one mode: stage 1 (fronts: every G per layer, budget-independent, so one
/// search serves every variant of a model with the same mode and settings) and stage 2 (one budget).
/// </summary>
public static class GroupingPlanner
{
    /// <summary>Stage 1: the per-layer fronts of <paramref name="mode"/>; null for MQA, which has nothing to choose.</summary>
    public static IReadOnlyList<LayerFront>? BuildFronts(
        IReadOnlyList<GramMatrix> grams, GroupingMode mode, SearchSettings settings,
        IProgress<SearchProgress>? progress = null, CancellationToken cancellation = default) => mode switch
    {
        GroupingMode.Mqa => null,
        GroupingMode.Gqa => GqaFronts.Build(grams),
        GroupingMode.Equal => ModelSearch.Run(grams, settings with { Mode = GroupingMode.Equal }, progress, cancellation),
        GroupingMode.Arbitrary => ModelSearch.Run(grams, settings with { Mode = GroupingMode.Arbitrary }, progress, cancellation),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>Stage 2: the grouping of every layer within <paramref name="budget"/>, labelled with the mode.</summary>
    /// <param name="grams">The layers' Gram matrices (MQA needs them for its WSE).</param>
    /// <param name="fronts">Stage-1 fronts from <see cref="BuildFronts"/> (ignored for MQA).</param>
    /// <param name="mode">The variant's mode.</param>
    /// <param name="budget">The budget resolved for the model (ignored for MQA, which keeps one KV head per layer).</param>
    /// <param name="method">Exact allocation or the paper's MHA-or-grouped choice.</param>
    /// <param name="paperGroupCount">For <see cref="Stage2Method.Paper"/>: the fixed G of grouped layers.</param>
    /// <exception cref="Diagnostics.QcqaException">QCQA030 when the fronts offer too little for the budget.</exception>
    public static ModelGrouping Allocate(
        IReadOnlyList<GramMatrix> grams, IReadOnlyList<LayerFront>? fronts, GroupingMode mode, ResolvedBudget? budget,
        Stage2Method method = Stage2Method.Exact, int? paperGroupCount = null)
    {
        if (mode == GroupingMode.Mqa) return BaselineGroupings.Mqa(grams);
        Preconditions.CheckNotNull(fronts);
        Preconditions.CheckNotNull(budget);
        return method == Stage2Method.Paper
            ? MhaOrGroupedAllocator.Allocate(fronts, paperGroupCount ?? MhaOrGroupedAllocator.DefaultGroupCount(fronts, budget.Source), budget)
            : KvAllocator.Allocate(fronts, budget);
    }
}

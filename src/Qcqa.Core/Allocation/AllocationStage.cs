using Qcqa.Core.Grouping;
using Qcqa.Core.Search;

namespace Qcqa.Core.Allocation;

/// <summary>
/// Stage 2: the grouping of every layer within the resolved budget, chosen from the search stage's fronts (MQA
/// needs no fronts: one KV head per layer). The grouping is labelled with the fronts' mode.
/// </summary>
public static class AllocationStage
{
    /// <summary>Allocates KV heads across the layers.</summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA030 when the fronts offer too little for the budget.</exception>
    public static ModelGrouping Run(AllocationInput input)
    {
        Preconditions.CheckNotNull(input);
        if (input.Mode == GroupingMode.Mqa) return BaselineGroupings.Mqa(input.Statistics.Grams);
        var fronts = Preconditions.CheckNotNull(input.Fronts);
        var budget = Preconditions.CheckNotNull(input.Budget);
        return input.Method == Stage2Method.Paper
            ? MhaOrGroupedAllocator.Allocate(fronts, input.PaperGroupCount ?? MhaOrGroupedAllocator.DefaultGroupCount(fronts, budget.Source), budget)
            : KvAllocator.Allocate(fronts, budget);
    }
}

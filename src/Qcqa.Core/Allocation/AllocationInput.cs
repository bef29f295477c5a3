using Qcqa.Core.Grouping;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Allocation;

/// <summary>The input of the allocation stage (stage 2).</summary>
/// <param name="Statistics">The model's Gram matrices (MQA's WSE comes from them).</param>
/// <param name="Fronts">The search stage's fronts; null for MQA.</param>
/// <param name="Mode">The variant's mode.</param>
/// <param name="Budget">The budget resolved for the model; null for MQA, which keeps one KV head per layer.</param>
/// <param name="Method">Exact allocation (the default) or the paper's MHA-or-grouped choice.</param>
/// <param name="PaperGroupCount">For <see cref="Stage2Method.Paper"/>: the fixed G of grouped layers; chosen from the budget when null.</param>
public sealed record AllocationInput(
    ModelStatistics Statistics,
    IReadOnlyList<LayerFront>? Fronts,
    GroupingMode Mode,
    ResolvedBudget? Budget,
    Stage2Method Method = Stage2Method.Exact,
    int? PaperGroupCount = null);

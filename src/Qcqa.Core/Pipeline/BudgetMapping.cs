using Qcqa.Core.Allocation;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Pipeline;

/// <summary>Translates the spec's budget (with source positions) into the allocator's budget.</summary>
public static class BudgetMapping
{
    /// <summary>The allocator budget for a spec budget.</summary>
    public static KvBudget ToKvBudget(BudgetSpec budget)
    {
        var caps = budget.Layers.Where(e => e.Value.Kind != LayerBudgetKind.Mha).Select(e => e.Value.Kind == LayerBudgetKind.Fraction
            ? LayerBudget.OfFraction(new LayerRange(e.First, e.Last), e.Value.Fraction)
            : LayerBudget.OfKvHeads(new LayerRange(e.First, e.Last), e.Value.HeadCount));
        var pins = budget.Layers.Where(e => e.Value.Kind == LayerBudgetKind.Mha).Select(e => new LayerRange(e.First, e.Last))
            .Concat(budget.KeepMha.Select(k => LayerRange.Single(k.Layer)));
        return new KvBudget
        {
            GlobalFraction = budget.GlobalFraction,
            LayerFraction = budget.PerLayerFraction,
            Layers = caps.ToArray(),
            PinnedMha = pins.ToArray(),
        };
    }
}

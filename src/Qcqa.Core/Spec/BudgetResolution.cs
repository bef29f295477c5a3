namespace Qcqa.Core.Spec;

/// <summary>
/// A budget applied to a concrete model shape: per layer, how many KV heads it may keep, and a cap on the total
/// when the budget is global. This is what the cross-layer allocation optimises within.
/// </summary>
/// <param name="Layers">One limit per layer, in layer order.</param>
/// <param name="MaxTotalKvHeads">⌊b·Σ H_l⌋ for a global budget b; null when only per-layer limits apply.</param>
public sealed record BudgetResolution(IReadOnlyList<LayerKvLimit> Layers, int? MaxTotalKvHeads)
{
    /// <summary>Σ H_l of the model.</summary>
    public int TotalHeads => Layers.Sum(l => l.Heads);

    /// <summary>The smallest total any grouping obeying the limits can have.</summary>
    public int MinTotalKvHeads => Layers.Sum(l => l.MinKvHeads);
}

using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Allocation;

/// <summary>
/// One per-layer rule of a <see cref="KvBudget"/> (an entry of the spec's <c>budget.layers</c>, e.g. <c>"1-3": 0.25</c>):
/// the layers of <see cref="Layers"/> stay MHA, keep at most a fraction of their KV heads, or at most a number of them.
/// </summary>
/// <param name="Layers">The layers the rule applies to.</param>
/// <param name="Value">What they get.</param>
/// <param name="Location">Where the rule's key was written; <see cref="SourceLocation.None"/> for rules built in code.</param>
public sealed record LayerBudget(LayerRange Layers, LayerBudgetValue Value, SourceLocation Location = default)
{
    /// <summary>A cap as a fraction of each layer's KV heads: at most round(fraction · H_l).</summary>
    public static LayerBudget OfFraction(LayerRange layers, double fraction, SourceLocation location = default)
        => new(layers, LayerBudgetValue.OfFraction(fraction), location);

    /// <summary>A cap as a number of KV heads.</summary>
    public static LayerBudget OfKvHeads(LayerRange layers, int kvHeads, SourceLocation location = default)
        => new(layers, LayerBudgetValue.OfHeadCount(kvHeads), location);

    /// <summary>The layers stay multi-head attention (G = H).</summary>
    public static LayerBudget Mha(LayerRange layers, SourceLocation location = default)
        => new(layers, LayerBudgetValue.Mha, location);

    /// <summary>The range as written in the spec: <c>3</c> or <c>1-3</c>.</summary>
    public string RangeText => Layers.KeyText;

    /// <summary>True when the rule applies to <paramref name="layer"/>.</summary>
    public bool Covers(int layer) => Layers.Contains(layer);

    /// <summary><c>layers 0-3: 0.5</c> or <c>layer 7: 4</c>.</summary>
    public override string ToString() => $"{Layers}: {Value}";
}

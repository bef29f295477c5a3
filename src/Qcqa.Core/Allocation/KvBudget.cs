namespace Qcqa.Core.Allocation;

/// <summary>
/// A KV-cache budget for stage 2. The parts combine: a global fraction bounds Σ_l G_l, per-layer rules cap single
/// layers, and pinned layers stay multi-head attention.
/// </summary>
/// <remarks>
/// <para>Global: Σ_l G_l ≤ floor(b · Σ_l H_l).</para>
/// <para>
/// Per layer: <see cref="LayerFraction"/> caps every layer at round(b · H_l); <see cref="Layers"/> rules override it
/// for the layers they name (when two rules name the same layer, the tighter wins). Rounding is to the nearest
/// integer with exact halves going down, so a tie never exceeds the budget. A cap that is not an allowed G (EC:
/// not a divisor of H_l) becomes the nearest allowed G, again taking the smaller on a tie. A layer then keeps
/// at most its cap: with a front whose WSE falls as G grows, exactly its cap unless the global budget asks for less.
/// </para>
/// <para>Pinned layers keep all H_l KV heads; a pin overrides <see cref="LayerFraction"/> but contradicts a rule of <see cref="Layers"/> that caps the same layer below H_l (an error).</para>
/// </remarks>
public sealed record KvBudget
{
    /// <summary>b in (0, 1]: the whole model keeps at most floor(b · Σ H_l) KV heads; null for no global bound.</summary>
    public double? GlobalFraction { get; init; }

    /// <summary>b in (0, 1]: every layer keeps at most round(b · H_l) KV heads; null for no uniform cap.</summary>
    public double? LayerFraction { get; init; }

    /// <summary>Explicit per-layer caps.</summary>
    public IReadOnlyList<LayerBudget> Layers { get; init; } = [];

    /// <summary>Layers that stay multi-head attention (G = H).</summary>
    public IReadOnlyList<LayerRange> PinnedMha { get; init; } = [];

    /// <summary>Only a global fraction.</summary>
    public static KvBudget Global(double fraction) => new() { GlobalFraction = fraction };

    /// <summary>The same fraction for every layer separately.</summary>
    public static KvBudget EveryLayer(double fraction) => new() { LayerFraction = fraction };
}

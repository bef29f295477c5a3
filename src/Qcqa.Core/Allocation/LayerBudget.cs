namespace Qcqa.Core.Allocation;

/// <summary>
/// A per-layer cap: the layers of <see cref="Layers"/> keep at most a fraction of their KV heads, or at most a
/// number of them. Exactly one of <see cref="Fraction"/> and <see cref="KvHeads"/> is set.
/// </summary>
/// <param name="Layers">The layers the cap applies to.</param>
/// <param name="Fraction">Keep at most round(fraction · H_l) KV heads; in (0, 1].</param>
/// <param name="KvHeads">Keep at most this many KV heads; in 1..H_l.</param>
public sealed record LayerBudget(LayerRange Layers, double? Fraction = null, int? KvHeads = null)
{
    /// <summary>A cap as a fraction of each layer's KV heads.</summary>
    public static LayerBudget OfFraction(LayerRange layers, double fraction) => new(layers, Fraction: fraction);

    /// <summary>A cap as a number of KV heads.</summary>
    public static LayerBudget OfKvHeads(LayerRange layers, int kvHeads) => new(layers, KvHeads: kvHeads);

    /// <summary><c>layers 0-3: 0.5</c> or <c>layer 7: 4 KV heads</c>.</summary>
    public override string ToString() => Fraction is { } f ? $"{Layers}: {f}" : $"{Layers}: {KvHeads} KV heads";
}

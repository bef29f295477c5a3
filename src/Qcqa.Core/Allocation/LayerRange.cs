namespace Qcqa.Core.Allocation;

/// <summary>An inclusive range of layer indices, e.g. layers 0–3, or a single layer.</summary>
/// <param name="First">First layer (0-based).</param>
/// <param name="Last">Last layer, inclusive; not below <paramref name="First"/> (the budget resolver reports one that is).</param>
public readonly record struct LayerRange(int First, int Last)
{
    /// <summary>The range holding only <paramref name="layer"/>.</summary>
    public static LayerRange Single(int layer) => new(layer, layer);

    /// <summary>True when <paramref name="layer"/> is in the range.</summary>
    public bool Contains(int layer) => layer >= First && layer <= Last;

    /// <summary>The range as a spec key: <c>3</c> or <c>1-3</c>.</summary>
    public string KeyText => First == Last ? $"{First}" : $"{First}-{Last}";

    /// <summary><c>layer 3</c> or <c>layers 0-7</c>.</summary>
    public override string ToString() => First == Last ? $"layer {First}" : $"layers {First}-{Last}";
}

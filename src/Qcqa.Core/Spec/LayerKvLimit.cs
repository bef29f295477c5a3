namespace Qcqa.Core.Spec;

/// <summary>The KV heads one layer may keep under a resolved budget.</summary>
/// <param name="Layer">0-based layer index.</param>
/// <param name="Heads">H: the layer's KV units in the input model.</param>
/// <param name="MinKvHeads">Fewest KV heads allowed (1 unless the budget fixes the layer).</param>
/// <param name="MaxKvHeads">Most KV heads allowed.</param>
public sealed record LayerKvLimit(int Layer, int Heads, int MinKvHeads, int MaxKvHeads)
{
    /// <summary>True when the budget fixes the count (an explicit head count, <c>mha</c>, or <c>mqa</c> mode).</summary>
    public bool IsFixed => MinKvHeads == MaxKvHeads;
}

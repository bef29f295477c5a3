namespace Qcqa.Core.Merge;

/// <summary>
/// One layer's projections as a function-preserving ("aligned") merge computed them, replacing the mean of each
/// group's K/V heads: float64, row-major, in merge order — query heads in the input's order (q rows, o columns, with
/// each head's map already folded in), merged K/V heads in the order of the layer grouping's groups. The writer only
/// reorders query heads (for a standard GQA output) and rounds once to each tensor's dtype.
/// </summary>
/// <param name="Query"><c>q_proj.weight</c>, [H·d · D].</param>
/// <param name="QueryBias"><c>q_proj.bias</c>, [H·d], or null when the input has none.</param>
/// <param name="Key"><c>k_proj.weight</c>, [G·d · D].</param>
/// <param name="KeyBias"><c>k_proj.bias</c>, [G·d], or null.</param>
/// <param name="Value"><c>v_proj.weight</c>, [G·d · D].</param>
/// <param name="ValueBias"><c>v_proj.bias</c>, [G·d], or null.</param>
/// <param name="Output"><c>o_proj.weight</c>, [D · H·d].</param>
public sealed record MergedProjections(
    double[] Query, double[]? QueryBias, double[] Key, double[]? KeyBias, double[] Value, double[]? ValueBias, double[] Output)
{
    /// <summary>The values that replace the tensor of <paramref name="role"/>.</summary>
    /// <exception cref="InvalidOperationException">The input has a bias that the merged projections lack.</exception>
    internal double[] For(AttentionRole role) => role switch
    {
        AttentionRole.QueryWeight => Query,
        AttentionRole.QueryBias => QueryBias ?? throw Missing("q_proj.bias"),
        AttentionRole.KeyWeight => Key,
        AttentionRole.KeyBias => KeyBias ?? throw Missing("k_proj.bias"),
        AttentionRole.ValueWeight => Value,
        AttentionRole.ValueBias => ValueBias ?? throw Missing("v_proj.bias"),
        AttentionRole.OutputWeight => Output,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    private static InvalidOperationException Missing(string tensor) => new($"The merged projections have no {tensor} but the input does.");
}

using Qcqa.Core.Families;

namespace Qcqa.Core.Merge;

/// <summary>
/// One layer's projections as a function-preserving ("aligned") merge computed them, replacing the mean of each
/// group's K/V heads: float64, row-major, in merge order — query heads in the input's order (q rows, o columns, with
/// each head's map already folded in), merged K/V heads in the order of the layer grouping's groups. The writer only
/// reorders query heads (for a standard GQA output) and rounds once to each tensor's dtype.
/// </summary>
/// <param name="Query">The query weight rows (<c>q_proj.weight</c>), [H·d · D].</param>
/// <param name="QueryBias">The query bias, [H·d], or null when the input has none.</param>
/// <param name="Key">The key weight rows, [G·d · D].</param>
/// <param name="KeyBias">The key bias, [G·d], or null.</param>
/// <param name="Value">The value weight rows, [G·d · D].</param>
/// <param name="ValueBias">The value bias, [G·d], or null.</param>
/// <param name="Output">The output projection (<c>o_proj.weight</c>), [D · H·d].</param>
public sealed record MergedProjections(
    double[] Query, double[]? QueryBias, double[] Key, double[]? KeyBias, double[] Value, double[]? ValueBias, double[] Output)
{
    /// <summary>The values that replace the input's <paramref name="part"/> rows (weight or bias), heads in merge order.</summary>
    /// <exception cref="InvalidOperationException">The input has a bias that the merged projections lack.</exception>
    internal double[] Rows(QkvPart part, bool bias) => (part, bias) switch
    {
        (QkvPart.Query, false) => Query,
        (QkvPart.Key, false) => Key,
        (QkvPart.Value, false) => Value,
        (QkvPart.Query, true) => QueryBias ?? throw Missing("query bias"),
        (QkvPart.Key, true) => KeyBias ?? throw Missing("key bias"),
        (QkvPart.Value, true) => ValueBias ?? throw Missing("value bias"),
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };

    private static InvalidOperationException Missing(string tensor) => new($"The merged projections have no {tensor} but the input does.");
}

namespace Qcqa.Core.Spec;

/// <summary>How a variant groups query heads onto shared KV heads (the spec's <c>mode</c> key).</summary>
public enum VariantMode
{
    /// <summary><c>gqa</c>: plain grouped-query attention, neighbouring heads mean-pooled (the baseline; no search).</summary>
    Gqa,

    /// <summary><c>mqa</c>: multi-query attention, one KV head per layer (no search, no budget).</summary>
    Mqa,

    /// <summary><c>equal</c>: QCQA-EC, searched groups of equal size in each layer.</summary>
    Equal,

    /// <summary><c>arbitrary</c>: QCQA-AC, searched groups of any size.</summary>
    Arbitrary,
}

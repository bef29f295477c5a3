namespace Qcqa.Core.Spec;

/// <summary>The three forms a per-layer budget entry can take.</summary>
public enum LayerBudgetKind
{
    /// <summary><c>mha</c>: the layer keeps all its KV heads.</summary>
    Mha,

    /// <summary>A fraction in (0, 1], written with a decimal point (<c>0.25</c>): at most ⌊f·H⌋ KV heads.</summary>
    Fraction,

    /// <summary>An integer (<c>4</c>): exactly that many KV heads.</summary>
    HeadCount,
}

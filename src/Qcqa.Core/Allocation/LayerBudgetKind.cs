namespace Qcqa.Core.Allocation;

/// <summary>The three forms a per-layer budget rule can take. The default value (0) is none of them, and is rejected.</summary>
public enum LayerBudgetKind
{
    /// <summary><c>mha</c>: the layers keep all their KV heads.</summary>
    Mha = 1,

    /// <summary>A fraction in (0, 1], written with a decimal point (<c>0.25</c>): at most round(f·H) KV heads.</summary>
    Fraction = 2,

    /// <summary>An integer (<c>4</c>): at most that many KV heads, which the mode must be able to make.</summary>
    HeadCount = 3,
}

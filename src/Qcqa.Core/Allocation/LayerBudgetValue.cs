using System.Globalization;

namespace Qcqa.Core.Allocation;

/// <summary>
/// What one per-layer budget rule asks for: <c>mha</c>, a fraction, or a KV-head count. Values are not range-checked
/// here: the budget resolver reports a bad one as a positioned problem, whoever built the budget.
/// </summary>
public readonly record struct LayerBudgetValue
{
    private LayerBudgetValue(LayerBudgetKind kind, double fraction, int headCount) => (Kind, Fraction, HeadCount) = (kind, fraction, headCount);

    /// <summary>Which form the rule takes; 0 (no form) for <c>default</c>, which the resolver rejects.</summary>
    public LayerBudgetKind Kind { get; }

    /// <summary>The fraction when <see cref="Kind"/> is <see cref="LayerBudgetKind.Fraction"/>, else 0.</summary>
    public double Fraction { get; }

    /// <summary>The count when <see cref="Kind"/> is <see cref="LayerBudgetKind.HeadCount"/>, else 0.</summary>
    public int HeadCount { get; }

    /// <summary>Keep every KV head.</summary>
    public static LayerBudgetValue Mha => new(LayerBudgetKind.Mha, 0, 0);

    /// <summary>At most round(<paramref name="fraction"/>·H) KV heads.</summary>
    public static LayerBudgetValue OfFraction(double fraction) => new(LayerBudgetKind.Fraction, fraction, 0);

    /// <summary>At most <paramref name="headCount"/> KV heads.</summary>
    public static LayerBudgetValue OfHeadCount(int headCount) => new(LayerBudgetKind.HeadCount, 0, headCount);

    /// <summary>The spec spelling: <c>mha</c>, <c>0.25</c> or <c>4</c> (<c>nothing</c> for the default value).</summary>
    public override string ToString() => Kind switch
    {
        LayerBudgetKind.Mha => "mha",
        LayerBudgetKind.Fraction => Fraction.ToString("R", CultureInfo.InvariantCulture),
        LayerBudgetKind.HeadCount => HeadCount.ToString(CultureInfo.InvariantCulture),
        _ => "nothing",
    };
}

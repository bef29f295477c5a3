using System.Globalization;

namespace Qcqa.Core.Spec;

/// <summary>What one per-layer budget entry asks for: <c>mha</c>, a fraction, or a KV-head count.</summary>
public readonly record struct LayerBudgetValue
{
    private LayerBudgetValue(LayerBudgetKind kind, double fraction, int headCount)
    {
        Kind = kind;
        Fraction = fraction;
        HeadCount = headCount;
    }

    /// <summary>Which form the entry takes.</summary>
    public LayerBudgetKind Kind { get; }

    /// <summary>The fraction when <see cref="Kind"/> is <see cref="LayerBudgetKind.Fraction"/>, else 0.</summary>
    public double Fraction { get; }

    /// <summary>The count when <see cref="Kind"/> is <see cref="LayerBudgetKind.HeadCount"/>, else 0.</summary>
    public int HeadCount { get; }

    /// <summary>Keep every KV head.</summary>
    public static LayerBudgetValue Mha => new(LayerBudgetKind.Mha, 0, 0);

    /// <summary>At most ⌊<paramref name="fraction"/>·H⌋ KV heads.</summary>
    /// <exception cref="ArgumentException"><paramref name="fraction"/> is not in (0, 1].</exception>
    public static LayerBudgetValue OfFraction(double fraction)
    {
        Preconditions.CheckArgument(fraction is > 0 and <= 1, "A layer fraction must be in (0, 1].");
        return new(LayerBudgetKind.Fraction, fraction, 0);
    }

    /// <summary>Exactly <paramref name="headCount"/> KV heads.</summary>
    public static LayerBudgetValue OfHeadCount(int headCount) => new(LayerBudgetKind.HeadCount, 0, Preconditions.CheckPositive(headCount));

    /// <summary>The spec spelling: <c>mha</c>, <c>0.25</c> or <c>4</c>.</summary>
    public override string ToString() => Kind switch
    {
        LayerBudgetKind.Mha => "mha",
        LayerBudgetKind.Fraction => Fraction.ToString("R", CultureInfo.InvariantCulture),
        _ => HeadCount.ToString(CultureInfo.InvariantCulture),
    };
}

using Qcqa.Core.Diagnostics;
using System.Globalization;
using System.Text;

namespace Qcqa.Core.Spec;

/// <summary>
/// A variant's KV-cache budget (the spec's <c>budget</c> key): a global fraction of the model's KV heads, or the
/// same fraction in every layer, optionally refined per layer (<c>layers</c>) and with layers kept as
/// multi-head attention (<c>keep_mha</c>).
/// </summary>
/// <remarks>
/// Invariants (guaranteed by <see cref="SpecReader"/>; code that builds a budget by hand should keep them): at
/// most one of <see cref="GlobalFraction"/> and <see cref="PerLayerFraction"/> is set, and when neither is,
/// <see cref="Layers"/> is not empty; <see cref="Layers"/> entries do not overlap and are sorted by
/// <see cref="LayerBudgetEntry.First"/>; every <see cref="KeepMha"/> layer is covered by no entry or by an
/// <c>mha</c> entry. Checks that need the model's shape happen in <see cref="VariantSpec.ResolveBudget"/>.
/// </remarks>
public sealed record BudgetSpec
{
    /// <summary>b in Σ G_l ≤ b·Σ H_l, in (0, 1]; null when the budget is not global.</summary>
    public double? GlobalFraction { get; init; }

    /// <summary>f in G_l ≤ f·H_l for every layer without an explicit entry, in (0, 1]; null when not per-layer.</summary>
    public double? PerLayerFraction { get; init; }

    /// <summary>Explicit per-layer entries, sorted by first layer, not overlapping.</summary>
    public IReadOnlyList<LayerBudgetEntry> Layers { get; init; } = [];

    /// <summary>Layers that stay multi-head attention (same as an <c>mha</c> entry), in the order written.</summary>
    public IReadOnlyList<LayerReference> KeepMha { get; init; } = [];

    /// <summary>Where the budget was written (the value of the <c>budget</c> key).</summary>
    public SourceLocation Location { get; init; }

    /// <summary>A global budget: Σ G_l ≤ <paramref name="fraction"/>·Σ H_l.</summary>
    public static BudgetSpec Global(double fraction, SourceLocation location = default)
        => new() { GlobalFraction = CheckFraction(fraction), Location = location };

    /// <summary>The same budget in every layer: G_l ≤ <paramref name="fraction"/>·H_l.</summary>
    public static BudgetSpec PerLayer(double fraction, SourceLocation location = default)
        => new() { PerLayerFraction = CheckFraction(fraction), Location = location };

    /// <summary>
    /// What the spec says about <paramref name="layer"/> explicitly (<c>keep_mha</c> or a <c>layers</c> entry), or
    /// null when the layer follows the global or per-layer fraction.
    /// </summary>
    public LayerBudgetValue? ExplicitValueFor(int layer)
    {
        if (KeepMha.Any(k => k.Layer == layer)) return LayerBudgetValue.Mha;
        return Layers.FirstOrDefault(e => e.Covers(layer))?.Value;
    }

    /// <summary>
    /// A canonical description for fingerprints: equal for budgets that mean the same (ranges are expanded and
    /// <c>keep_mha</c> is folded into the per-layer entries), different otherwise.
    /// </summary>
    public string ToCanonicalString()
    {
        var text = new StringBuilder();
        if (GlobalFraction is { } g) text.Append("global=").Append(Format(g)).Append(';');
        if (PerLayerFraction is { } p) text.Append("per_layer=").Append(Format(p)).Append(';');
        var layers = Layers.SelectMany(e => Enumerable.Range(e.First, e.Last - e.First + 1))
            .Concat(KeepMha.Select(k => k.Layer)).Distinct().Order();
        text.Append("layers=");
        foreach (var layer in layers)
        {
            var value = ExplicitValueFor(layer)!.Value;
            var rendered = value.Kind switch
            {
                LayerBudgetKind.Mha => "mha",
                LayerBudgetKind.Fraction => "f" + Format(value.Fraction),
                _ => "n" + value.HeadCount.ToString(CultureInfo.InvariantCulture),
            };
            text.Append(layer).Append(':').Append(rendered).Append(',');
        }
        return text.ToString();
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double CheckFraction(double fraction)
    {
        Preconditions.CheckArgument(fraction is > 0 and <= 1, $"A budget fraction must be in (0, 1]; got {fraction}.");
        return fraction;
    }
}

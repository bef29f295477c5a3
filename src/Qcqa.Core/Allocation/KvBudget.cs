using System.Globalization;
using System.Text;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Allocation;

/// <summary>
/// A KV-cache budget: the one budget type. The spec's <c>budget</c> key reads into it (with the position of every
/// part), the <c>search</c> command builds one from <c>--kv-budget</c>, and <see cref="Resolve"/> turns it, once per
/// model, into the <see cref="ResolvedBudget"/> stage 2 allocates within.
/// </summary>
/// <remarks>
/// <para>The parts combine. Global: Σ_l G_l ≤ floor(b · Σ_l H_l). Per layer: <see cref="PerLayerFraction"/> caps every
/// layer at round(b · H_l); <see cref="Layers"/> rules override it for the layers they name (when two rules name
/// the same layer, the tighter wins; a spec cannot write that). Rounding is to the nearest integer with exact
/// halves going down, so a tie never exceeds the budget. A fraction's cap that is not an allowed G (EC, GQA: not a
/// divisor of H_l) becomes the nearest allowed G, again the smaller on a tie; a count the mode cannot make is an
/// error. <c>mha</c> rules and <see cref="KeepMha"/> pin layers to all H_l KV heads; a pin overrides
/// <see cref="PerLayerFraction"/> but contradicts a <see cref="Layers"/> rule that is not <c>mha</c>. Every layer
/// needs a budget: a global or per-layer fraction, or a rule.</para>
/// <para>Invariants of a budget read from a spec (the resolver checks them for budgets built in code): at most one
/// of <see cref="GlobalFraction"/> and <see cref="PerLayerFraction"/>; <see cref="Layers"/> sorted by first layer and
/// not overlapping; every fraction in (0, 1].</para>
/// </remarks>
public sealed record KvBudget
{
    /// <summary>b in (0, 1]: the whole model keeps at most floor(b · Σ H_l) KV heads; null for no global bound.</summary>
    public double? GlobalFraction { get; init; }

    /// <summary>b in (0, 1]: every layer without a rule keeps at most round(b · H_l) KV heads; null for no uniform cap.</summary>
    public double? PerLayerFraction { get; init; }

    /// <summary>Per-layer rules (the spec's <c>layers</c>), in the order written (a spec sorts them by first layer).</summary>
    public IReadOnlyList<LayerBudget> Layers { get; init; } = [];

    /// <summary>Layers that stay multi-head attention (the spec's <c>keep_mha</c>; same as an <c>mha</c> rule), in the order written.</summary>
    public IReadOnlyList<LayerReference> KeepMha { get; init; } = [];

    /// <summary>Where the budget was written (the value of the <c>budget</c> key); problems of the whole budget point here.</summary>
    public SourceLocation Location { get; init; }

    /// <summary>Only a global fraction: Σ G_l ≤ floor(<paramref name="fraction"/> · Σ H_l).</summary>
    public static KvBudget Global(double fraction, SourceLocation location = default) => new() { GlobalFraction = fraction, Location = location };

    /// <summary>The same fraction in every layer separately: G_l ≤ round(<paramref name="fraction"/> · H_l).</summary>
    public static KvBudget EveryLayer(double fraction, SourceLocation location = default) => new() { PerLayerFraction = fraction, Location = location };

    /// <summary>True for a usable budget fraction: a number in (0, 1] (NaN is not).</summary>
    public static bool IsFraction(double value) => value is > 0 and <= 1;

    /// <summary>True when <paramref name="layer"/> is pinned to MHA, by <see cref="KeepMha"/> or by an <c>mha</c> rule.</summary>
    public bool IsPinned(int layer)
        => KeepMha.Any(k => k.Layer == layer) || Layers.Any(r => r.Value.Kind == LayerBudgetKind.Mha && r.Covers(layer));

    /// <summary>
    /// What the budget says about <paramref name="layer"/> explicitly (<c>keep_mha</c> or a <c>layers</c> rule), or
    /// null when the layer follows the global or per-layer fraction.
    /// </summary>
    public LayerBudgetValue? ExplicitValueFor(int layer)
    {
        if (KeepMha.Any(k => k.Layer == layer)) return LayerBudgetValue.Mha;
        return Layers.FirstOrDefault(e => e.Covers(layer))?.Value;
    }

    /// <summary>
    /// Applies the budget to a model's shape and mode: what every layer may keep and the global capacity, or every
    /// problem with its position (see <see cref="BudgetResolution"/>). Needs no search: the group counts a mode can
    /// make follow from H_l alone.
    /// </summary>
    /// <param name="kvHeadsPerLayer">H_l: the KV units of each layer of the input model.</param>
    /// <param name="mode">The mode the layers will be grouped in (for the allowed G).</param>
    /// <param name="modelName">The model's name for messages, or null.</param>
    public BudgetResolution Resolve(IReadOnlyList<int> kvHeadsPerLayer, GroupingMode mode, string? modelName = null)
        => BudgetResolver.Resolve(this, kvHeadsPerLayer, mode, modelName);

    /// <summary>
    /// A canonical description, used as the budget column of the build summary: equal for budgets that mean the same
    /// (ranges are expanded and <c>keep_mha</c> is folded into the per-layer rules), different otherwise. E.g.
    /// <c>global=0.5;layers=0:mha,1:f0.25,2:f0.25,</c>.
    /// </summary>
    public string ToCanonicalString()
    {
        var text = new StringBuilder();
        if (GlobalFraction is { } g) text.Append("global=").Append(Format(g)).Append(';');
        if (PerLayerFraction is { } p) text.Append("per_layer=").Append(Format(p)).Append(';');
        var layers = Layers.SelectMany(e => Enumerable.Range(e.Layers.First, Math.Max(0, e.Layers.Last - e.Layers.First + 1)))
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
}

using System.Globalization;
using System.Text.RegularExpressions;
using Qcqa.Core.Allocation;
using Qcqa.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Qcqa.Core.Spec;

/// <summary>
/// Reads a variant's <c>budget</c> value into a <see cref="KvBudget"/> with the position of every part, and reports
/// what is wrong with the text itself (types, ranges written backwards, layers listed twice). Rules that need the
/// model's shape are applied by <see cref="KvBudget.Resolve"/>, once per model.
/// </summary>
internal static partial class BudgetParser
{
    internal static KvBudget? Parse(SpecContext context, YamlNode node)
    {
        var location = context.At(node);
        if (node is YamlScalarNode)
            return context.Fraction(node, "budget") is { } global ? KvBudget.Global(global, location) : null;
        if (node is not YamlMappingNode)
        {
            context.Report(ErrorCodes.SpecBadValue, node,
                $"budget must be a fraction such as 0.5, or a mapping with 'global', 'per_layer', 'layers' and 'keep_mha'; not {SpecScalar.Describe(node)}.");
            return null;
        }

        var mapping = context.Mapping(node, "budget", SpecKeys.Budget)!;
        var ok = true;
        double? globalFraction = null, perLayer = null;
        if (mapping["global"] is { } g) ok &= (globalFraction = context.Fraction(g, "budget.global")) is not null;
        if (mapping["per_layer"] is { } p) ok &= (perLayer = context.Fraction(p, "budget.per_layer")) is not null;
        if (mapping.Has("global") && mapping.Has("per_layer"))
        {
            context.Report(ErrorCodes.SpecBadValue, mapping.KeyNode("per_layer"),
                "Set either 'global' (one budget for the whole model) or 'per_layer' (the same budget in every layer), not both.");
            ok = false;
        }
        if (!mapping.Has("global") && !mapping.Has("per_layer") && !mapping.Has("layers"))
        {
            context.Report(ErrorCodes.SpecMissingKey, node,
                "budget needs 'global' (e.g. global: 0.5), 'per_layer' (e.g. per_layer: 0.5) or 'layers' (a budget for every layer).");
            ok = false;
        }

        var entries = mapping["layers"] is { } layersNode ? ParseLayers(context, layersNode, ref ok) : [];
        var keep = mapping["keep_mha"] is { } keepNode ? ParseKeepMha(context, keepNode, ref ok) : [];
        var budget = new KvBudget { GlobalFraction = globalFraction, PerLayerFraction = perLayer, Layers = entries, KeepMha = keep, Location = location };
        foreach (var conflict in BudgetResolver.PinConflicts(budget, heads: null))
        {
            context.Report(conflict.Code, conflict.Location, conflict.Message);
            ok = false;
        }
        return ok ? budget : null;
    }

    private static List<LayerBudget> ParseLayers(SpecContext context, YamlNode node, ref bool ok)
    {
        var entries = new List<LayerBudget>();
        var mapping = context.Mapping(node, "budget.layers", knownKeys: null);
        if (mapping is null)
        {
            ok = false;
            return entries;
        }
        foreach (var (key, value) in mapping.Entries)
        {
            var range = ParseRange(context, key);
            var layerValue = ParseLayerValue(context, value);
            if (range is { } r && layerValue is { } v) entries.Add(new LayerBudget(r, v, context.At(key)));
            else ok = false;
        }
        entries.Sort((a, b) => a.Layers.First.CompareTo(b.Layers.First));
        for (var i = 1; i < entries.Count; i++)
        {
            // Sorted by start, so an entry overlaps an earlier one exactly when it starts before the furthest end so far.
            var earlier = entries.Take(i).MaxBy(e => e.Layers.Last)!;
            if (entries[i].Layers.First <= earlier.Layers.Last)
            {
                var shared = entries[i].Layers.First;
                context.Report(ErrorCodes.SpecBadValue, entries[i].Location,
                    $"Layer {shared} is listed twice in budget.layers: in '{entries[i].RangeText}' and in '{earlier.RangeText}' (line {earlier.Location.Line}); list each layer once.");
                ok = false;
            }
        }
        return entries;
    }

    private static LayerRange? ParseRange(SpecContext context, YamlScalarNode key)
    {
        var match = RangePattern().Match(key.Value!);
        if (!match.Success)
        {
            context.Report(ErrorCodes.SpecBadValue, key,
                $"'{key.Value}' is not a layer or layer range; write a 0-based index such as \"7\" or an inclusive range such as \"1-3\" (at most {SpecKeys.MaxLayerIndex}).");
            return null;
        }
        var first = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var last = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : first;
        if (last < first)
        {
            context.Report(ErrorCodes.SpecBadValue, key, $"The layer range '{key.Value}' runs backwards; write \"{last}-{first}\".");
            return null;
        }
        return new LayerRange(first, last);
    }

    private static LayerBudgetValue? ParseLayerValue(SpecContext context, YamlNode node)
    {
        const string Expected = "mha, a fraction in (0, 1] written with a decimal point (0.25), or a whole number of KV heads (4)";
        if (node is not YamlScalarNode scalar)
        {
            context.Report(ErrorCodes.SpecBadValue, node, $"A layer's budget must be {Expected}; not {SpecScalar.Describe(node)}.");
            return null;
        }
        switch (SpecScalar.KindOf(scalar))
        {
            case SpecScalarKind.String when scalar.Value == "mha":
                return LayerBudgetValue.Mha;
            case SpecScalarKind.Integer:
                var count = SpecScalar.ToDouble(scalar);
                if (count is >= 1 and <= SpecKeys.MaxHeadCount) return LayerBudgetValue.OfHeadCount((int)count);
                context.Report(ErrorCodes.SpecBadValue, node,
                    $"A whole number in budget.layers is a count of KV heads and must be between 1 and {SpecKeys.MaxHeadCount}; got {scalar.Value}.");
                return null;
            case SpecScalarKind.Float:
                var fraction = SpecScalar.ToDouble(scalar);
                if (KvBudget.IsFraction(fraction)) return LayerBudgetValue.OfFraction(fraction);
                var hint = fraction > 1 && double.IsFinite(fraction) ? $" (for a count of KV heads write a whole number such as {Math.Floor(fraction)})" : "";
                context.Report(ErrorCodes.SpecBadValue, node, $"A fraction in budget.layers must be in (0, 1]; got {scalar.Value}{hint}.");
                return null;
            default:
                var close = scalar.Value is { Length: > 0 } v && KeySuggestion.Closest(v, ["mha"]) is not null ? "; did you mean 'mha'?" : ".";
                context.Report(ErrorCodes.SpecBadValue, node, $"A layer's budget must be {Expected}; got {SpecScalar.Describe(node)}{close}");
                return null;
        }
    }

    private static List<LayerReference> ParseKeepMha(SpecContext context, YamlNode node, ref bool ok)
    {
        var layers = new List<LayerReference>();
        if (node is not YamlSequenceNode list)
        {
            context.Report(ErrorCodes.SpecBadValue, node, $"budget.keep_mha must be a list of layer indices such as [0, 31], not {SpecScalar.Describe(node)}.");
            ok = false;
            return layers;
        }
        foreach (var item in list.Children)
        {
            if (context.Integer(item, "A keep_mha layer index", 0, SpecKeys.MaxLayerIndex) is not { } layer)
            {
                ok = false;
                continue;
            }
            if (layers.FirstOrDefault(l => l.Layer == layer) is { } earlier)
            {
                context.Report(ErrorCodes.SpecBadValue, item, $"Layer {layer} is already in keep_mha (line {earlier.Location.Line}).");
                ok = false;
                continue;
            }
            layers.Add(new LayerReference(layer, context.At(item)));
        }
        return layers;
    }

    [GeneratedRegex("^([0-9]{1,4})(?:-([0-9]{1,4}))?$")]
    private static partial Regex RangePattern();
}

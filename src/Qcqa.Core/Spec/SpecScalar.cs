using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Qcqa.Core.Spec;

/// <summary>
/// Resolves YAML scalars with the YAML 1.2 core schema: only plain (unquoted) scalars can be null, booleans or
/// numbers; quoted ones are always strings. The JSON Schema and editors see the same types, so a value the
/// schema calls a string (<c>budget: "0.5"</c>) is also rejected here.
/// </summary>
internal static partial class SpecScalar
{
    private const string StringTag = "tag:yaml.org,2002:str";

    internal static SpecScalarKind KindOf(YamlScalarNode node)
    {
        if (node.Style != ScalarStyle.Plain || (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific && node.Tag.Value == StringTag))
            return SpecScalarKind.String;
        var text = node.Value ?? "";
        if (text is "" or "~" or "null" or "Null" or "NULL") return SpecScalarKind.Null;
        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE") return SpecScalarKind.Boolean;
        if (IntegerPattern().IsMatch(text)) return SpecScalarKind.Integer;
        if (FloatPattern().IsMatch(text) || SpecialFloatPattern().IsMatch(text)) return SpecScalarKind.Float;
        return SpecScalarKind.String;
    }

    /// <summary>The numeric value of an integer or float scalar (NaN and infinities included).</summary>
    internal static double ToDouble(YamlScalarNode node)
    {
        var text = node.Value!;
        if (SpecialFloatPattern().IsMatch(text))
            return text.EndsWith("nan", StringComparison.OrdinalIgnoreCase) ? double.NaN
                : text.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
        if (text.StartsWith("0x", StringComparison.Ordinal)) return Convert.ToInt64(text[2..], 16);
        if (text.StartsWith("0o", StringComparison.Ordinal)) return Convert.ToInt64(text[2..], 8);
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>A description of the node's type for messages: "a list", "a number", "nothing"…</summary>
    internal static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => KindOf(s) switch
        {
            SpecScalarKind.Null => "nothing",
            SpecScalarKind.Boolean => $"'{s.Value}' (true/false)",
            SpecScalarKind.Integer or SpecScalarKind.Float => $"the number {s.Value}",
            _ => $"the text '{s.Value}'",
        },
        _ => "an unsupported node",
    };

    [GeneratedRegex("^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex SpecialFloatPattern();
}

using Qcqa.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Qcqa.Core.Spec;

/// <summary>
/// A YAML mapping of the spec with its keys checked: keys that are not plain text, and keys the spec does not
/// know (with a "did you mean" hint), are reported once when the mapping is opened.
/// </summary>
internal sealed class SpecMapping
{
    private readonly SpecContext _context;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    internal SpecMapping(SpecContext context, YamlMappingNode node, string what, IReadOnlyList<string>? knownKeys)
    {
        _context = context;
        Node = node;
        What = what;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode scalar || SpecScalar.KindOf(scalar) == SpecScalarKind.Null)
            {
                context.Report(ErrorCodes.SpecBadValue, key, $"Keys in {what} must be plain text, not {SpecScalar.Describe(key)}.");
                continue;
            }
            var text = scalar.Value!;
            if (knownKeys is not null && !knownKeys.Contains(text))
            {
                var hint = KeySuggestion.Closest(text, knownKeys) is { } close
                    ? $"did you mean '{close}'?"
                    : $"expected one of: {string.Join(", ", knownKeys)}.";
                context.Report(ErrorCodes.SpecUnknownKey, scalar, $"Unknown key '{text}' in {what}; {hint}");
                continue;
            }
            _entries[text] = (scalar, value);
        }
    }

    /// <summary>The mapping node itself.</summary>
    internal YamlMappingNode Node { get; }

    /// <summary>How messages name this mapping, e.g. "variant 'ac-50'".</summary>
    internal string What { get; }

    /// <summary>Every accepted entry in document order.</summary>
    internal IEnumerable<(YamlScalarNode Key, YamlNode Value)> Entries => _entries.Values;

    /// <summary>The value of a known key, or null when it is absent.</summary>
    internal YamlNode? this[string key] => _entries.TryGetValue(key, out var entry) ? entry.Value : null;

    /// <summary>The key node of a present key.</summary>
    internal YamlScalarNode KeyNode(string key) => _entries[key].Key;

    /// <summary>True when the key is present.</summary>
    internal bool Has(string key) => _entries.ContainsKey(key);

    /// <summary>The value of a required key; reports QCQA044 at the mapping when it is absent.</summary>
    /// <param name="key">The key.</param>
    /// <param name="hint">What the value looks like, appended to the message (e.g. "the model's folder").</param>
    internal YamlNode? Required(string key, string hint)
    {
        var value = this[key];
        if (value is null) _context.Report(ErrorCodes.SpecMissingKey, Node, $"{Capitalise(What)} is missing '{key}' ({hint}).");
        return value;
    }

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

using System.Text.RegularExpressions;
using Qcqa.Core.Allocation;
using Qcqa.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Qcqa.Core.Spec;

/// <summary>
/// State of one spec read: the file name for positions, the problems found so far, and typed accessors that
/// report a positioned problem and return null instead of throwing, so that reading goes on and every problem
/// is found in one pass.
/// </summary>
internal sealed partial class SpecContext
{
    internal SpecContext(string file, string baseDirectory, SpecReaderOptions options)
    {
        File = file;
        BaseDirectory = baseDirectory;
        Options = options;
    }

    internal string File { get; }

    internal string BaseDirectory { get; }

    internal SpecReaderOptions Options { get; }

    internal List<Diagnostic> Diagnostics { get; } = [];

    internal SourceLocation At(YamlNode node) => new(File, (int)node.Start.Line, (int)node.Start.Column);

    internal void Report(string code, YamlNode node, string message) => Report(code, At(node), message);

    internal void Report(string code, SourceLocation at, string message) => Diagnostics.Add(new Diagnostic(code, message, at));

    /// <summary>Opens a mapping whose keys must be among <paramref name="knownKeys"/> (any keys when null).</summary>
    internal SpecMapping? Mapping(YamlNode node, string what, IReadOnlyList<string>? knownKeys)
    {
        if (node is YamlMappingNode mapping) return new SpecMapping(this, mapping, what, knownKeys);
        Report(ErrorCodes.SpecBadValue, node, $"{char.ToUpperInvariant(what[0])}{what[1..]} must be a mapping (key: value lines), not {SpecScalar.Describe(node)}.");
        return null;
    }

    /// <summary>A text value; numbers, booleans and nothing are rejected (quote them to make them text).</summary>
    internal string? Text(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar && SpecScalar.KindOf(scalar) == SpecScalarKind.String && scalar.Value!.Length > 0)
            return scalar.Value;
        var quoteHint = node is YamlScalarNode s && SpecScalar.KindOf(s) is SpecScalarKind.Integer or SpecScalarKind.Float or SpecScalarKind.Boolean
            ? $" (quote it to use it as text: '{s.Value}')" : "";
        Report(ErrorCodes.SpecBadValue, node, $"{what} must be non-empty text, not {SpecScalar.Describe(node)}{quoteHint}.");
        return null;
    }

    /// <summary>A name usable as a folder name: letters, digits, '.', '_' and '-', starting with a letter or digit.</summary>
    internal string? Name(YamlNode node, string what)
    {
        var text = Text(node, what);
        if (text is null || IsValidName(text)) return text;
        Report(ErrorCodes.SpecBadValue, node, $"{what} '{text}' is used as a folder name, so it may use only letters, digits, '.', '_' and '-', start with a letter or digit, and be at most 100 characters.");
        return null;
    }

    /// <summary>True when <paramref name="text"/> is a valid model, variant or output name.</summary>
    internal static bool IsValidName(string text) => NamePattern().IsMatch(text);

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal int? Integer(YamlNode node, string what, int min, int max)
    {
        if (node is YamlScalarNode scalar && SpecScalar.KindOf(scalar) is SpecScalarKind.Integer or SpecScalarKind.Float)
        {
            var value = SpecScalar.ToDouble(scalar);
            // Like JSON Schema's "integer", a float with no fractional part (64.0) counts as a whole number.
            if (double.IsFinite(value) && Math.Floor(value) == value)
            {
                if (value >= min && value <= max) return (int)value;
                Report(ErrorCodes.SpecBadValue, node, $"{what} must be between {min} and {max}; got {scalar.Value}.");
                return null;
            }
        }
        Report(ErrorCodes.SpecBadValue, node, $"{what} must be a whole number between {min} and {max}, not {SpecScalar.Describe(node)}.");
        return null;
    }

    /// <summary>A memory size: a whole number of bytes or text such as <c>6GB</c>, <c>6 GiB</c>, <c>800MB</c> (see <see cref="Memory.MemoryLimit.Parse"/>).</summary>
    internal long? Size(YamlNode node, string what)
    {
        if (node is YamlScalarNode { Value: { } value } scalar && SpecScalar.KindOf(scalar) is SpecScalarKind.Integer or SpecScalarKind.String)
        {
            try
            {
                return Memory.MemoryLimit.Parse(value);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                Report(ErrorCodes.SpecBadValue, node, $"{what} must be a size such as 6GB, 800MB or a number of bytes; '{value}' is not.");
                return null;
            }
        }
        Report(ErrorCodes.SpecBadValue, node, $"{what} must be a size such as 6GB, 800MB or a number of bytes, not {SpecScalar.Describe(node)}.");
        return null;
    }

    /// <summary>A fraction in (0, 1] (NaN and infinities rejected).</summary>
    internal double? Fraction(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar && SpecScalar.KindOf(scalar) is SpecScalarKind.Integer or SpecScalarKind.Float)
        {
            var value = SpecScalar.ToDouble(scalar);
            if (KvBudget.IsFraction(value)) return value;
            Report(ErrorCodes.SpecBadValue, node, $"{what} must be a fraction in (0, 1], e.g. 0.5 to keep half the KV cache; got {scalar.Value}.");
            return null;
        }
        Report(ErrorCodes.SpecBadValue, node, $"{what} must be a fraction in (0, 1], e.g. 0.5, not {SpecScalar.Describe(node)}.");
        return null;
    }

    /// <summary>A finite number above zero (a learning rate).</summary>
    internal double? PositiveNumber(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar && SpecScalar.KindOf(scalar) is SpecScalarKind.Integer or SpecScalarKind.Float)
        {
            var value = SpecScalar.ToDouble(scalar);
            if (double.IsFinite(value) && value > 0) return value;
            Report(ErrorCodes.SpecBadValue, node, $"{what} must be a number above 0; got {scalar.Value}.");
            return null;
        }
        Report(ErrorCodes.SpecBadValue, node, $"{what} must be a number above 0, e.g. 0.001, not {SpecScalar.Describe(node)}.");
        return null;
    }

    /// <summary>true or false.</summary>
    internal bool? Boolean(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar && SpecScalar.KindOf(scalar) == SpecScalarKind.Boolean)
            return scalar.Value!.Equals("true", StringComparison.OrdinalIgnoreCase);
        Report(ErrorCodes.SpecBadValue, node, $"{what} must be true or false, not {SpecScalar.Describe(node)}.");
        return null;
    }

    /// <summary>One of a fixed set of words; an unknown one is reported with the allowed list and a close match.</summary>
    internal T? Choice<T>(YamlNode node, string what, IReadOnlyDictionary<string, T> choices) where T : struct
    {
        if (node is YamlScalarNode scalar && SpecScalar.KindOf(scalar) == SpecScalarKind.String && choices.TryGetValue(scalar.Value!, out var value))
            return value;
        var typed = node is YamlScalarNode s ? s.Value ?? "" : "";
        var close = typed.Length > 0 ? KeySuggestion.Closest(typed, choices.Keys) : null;
        Report(ErrorCodes.SpecBadValue, node,
            $"{what} must be one of {string.Join(", ", choices.Keys)}; got {SpecScalar.Describe(node)}{(close is null ? "" : $"; did you mean '{close}'?")}");
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();
}

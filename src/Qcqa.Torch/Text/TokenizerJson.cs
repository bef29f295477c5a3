using System.Text.Json.Nodes;

namespace Qcqa.Torch.Text;

/// <summary>Typed reads from a parsed <c>tokenizer.json</c>, failing with QCQA051 naming the file and the key.</summary>
/// <param name="path">The file, named by every error.</param>
internal sealed class TokenizerJson(string path)
{
    /// <summary>The file being read.</summary>
    internal string Path => path;

    /// <summary>The <c>type</c> of a component object.</summary>
    internal string TypeOf(JsonNode node, string what)
        => node is JsonObject o && o["type"] is JsonValue v && v.TryGetValue<string>(out var type)
            ? type
            : throw TokenizerErrors.Invalid(path, $"A {what} has no \"type\".");

    /// <summary>A string property, or <paramref name="fallback"/> when absent or null.</summary>
    internal string? String(JsonNode node, string key, string? fallback = null)
    {
        var value = node[key];
        if (value is null) return fallback;
        return value is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Wrong(key, "a string");
    }

    /// <summary>A Boolean property, or <paramref name="fallback"/> when absent or null.</summary>
    internal bool Bool(JsonNode node, string key, bool fallback)
    {
        var value = node[key];
        if (value is null) return fallback;
        return value is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw Wrong(key, "true or false");
    }

    /// <summary>A number property, or <paramref name="fallback"/> when absent or null.</summary>
    internal double Number(JsonNode node, string key, double fallback)
    {
        var value = node[key];
        if (value is null) return fallback;
        return value is JsonValue v && v.TryGetValue<double>(out var d) ? d : throw Wrong(key, "a number");
    }

    /// <summary>An array property; empty when absent or null.</summary>
    internal JsonArray Array(JsonNode node, string key)
    {
        var value = node[key];
        if (value is null) return [];
        return value as JsonArray ?? throw Wrong(key, "an array");
    }

    /// <summary>The pattern of a Split/Replace component: <c>{"String": s}</c> (literal) or <c>{"Regex": r}</c>.</summary>
    internal (string Text, bool IsRegex) Pattern(JsonNode node)
    {
        if (node["pattern"] is not JsonObject pattern) throw Wrong("pattern", "an object with \"String\" or \"Regex\"");
        if (String(pattern, "String") is { } literal) return (literal, false);
        if (String(pattern, "Regex") is { } regex) return (regex, true);
        throw Wrong("pattern", "an object with \"String\" or \"Regex\"");
    }

    private Exception Wrong(string key, string expected) => TokenizerErrors.Invalid(path, $"\"{key}\" must be {expected}.");
}

using System.Globalization;
using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Input;

/// <summary>
/// A JSON value read by <see cref="JsonInput"/>, with the line and column where it starts, so that every check made
/// on it can point into the user's file. Numbers keep their exact text; objects keep their property order.
/// </summary>
public sealed class JsonInputNode
{
    private static readonly JsonInputProperty[] NoProperties = [];
    private static readonly JsonInputNode[] NoItems = [];

    private readonly Dictionary<string, JsonInputProperty>? _byName;

    internal JsonInputNode(JsonInputKind kind, int line, int column, string? text = null, bool boolean = false,
        List<JsonInputProperty>? properties = null, List<JsonInputNode>? items = null)
    {
        Kind = kind;
        Line = line;
        Column = column;
        Text = text;
        Boolean = boolean;
        Properties = properties is null ? NoProperties : properties;
        Items = items is null ? NoItems : items;
        if (properties is not null) _byName = properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The value's kind.</summary>
    public JsonInputKind Kind { get; }

    /// <summary>1-based line where the value starts.</summary>
    public int Line { get; }

    /// <summary>1-based column where the value starts.</summary>
    public int Column { get; }

    /// <summary>A string's value or a number's exact text; null for other kinds.</summary>
    public string? Text { get; }

    /// <summary>A boolean's value (false for other kinds).</summary>
    public bool Boolean { get; }

    /// <summary>An object's properties in file order (empty for other kinds).</summary>
    public IReadOnlyList<JsonInputProperty> Properties { get; }

    /// <summary>An array's items in order (empty for other kinds).</summary>
    public IReadOnlyList<JsonInputNode> Items { get; }

    /// <summary>The value of property <paramref name="name"/> of an object, or null (absent, or not an object).</summary>
    public JsonInputNode? this[string name] => _byName is not null && _byName.TryGetValue(name, out var p) ? p.Value : null;

    /// <summary>The property <paramref name="name"/> of an object with its position, or null.</summary>
    public JsonInputProperty? Property(string name) => _byName is not null && _byName.TryGetValue(name, out var p) ? p : null;

    /// <summary>True for an object.</summary>
    public bool IsObject => Kind == JsonInputKind.Object;

    /// <summary>True for an array.</summary>
    public bool IsArray => Kind == JsonInputKind.Array;

    /// <summary>The value as a 32-bit integer when it is a number written as one (no fraction, no exponent) that fits.</summary>
    public bool TryGetInt32(out int value)
    {
        value = 0;
        return Kind == JsonInputKind.Number && IsIntegerText(Text!) && int.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The value as a 64-bit integer when it is a number written as one that fits.</summary>
    public bool TryGetInt64(out long value)
    {
        value = 0;
        return Kind == JsonInputKind.Number && IsIntegerText(Text!) && long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The value as a finite double when it is a number.</summary>
    public bool TryGetDouble(out double value)
    {
        value = 0;
        return Kind == JsonInputKind.Number
            && double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>The value as a string when it is one.</summary>
    public bool TryGetString(out string value)
    {
        value = Kind == JsonInputKind.String ? Text! : "";
        return Kind == JsonInputKind.String;
    }

    /// <summary>A user error positioned at this value.</summary>
    public QcqaException Error(string code, string message, string path) => new(code, message, path, Line, Column);

    /// <summary>The value for messages: "an object", "1e9", "\"zero\""… (long texts are cut).</summary>
    public string Describe() => Kind switch
    {
        JsonInputKind.Object => "an object",
        JsonInputKind.Array => "an array",
        JsonInputKind.String => $"\"{Shorten(Text!)}\"",
        JsonInputKind.Number => Shorten(Text!),
        JsonInputKind.Boolean => Boolean ? "true" : "false",
        _ => "null",
    };

    /// <summary>A mutable copy as a <see cref="JsonNode"/> (null for JSON null), for files that are rewritten.</summary>
    public JsonNode? ToJsonNode()
    {
        // Recursive, which is safe: the reader refuses nesting deeper than InputLimits.MaxJsonDepth.
        switch (Kind)
        {
            case JsonInputKind.Object:
                var obj = new JsonObject();
                foreach (var p in Properties) obj[p.Name] = p.Value.ToJsonNode();
                return obj;
            case JsonInputKind.Array:
                var array = new JsonArray();
                foreach (var item in Items) array.Add(item.ToJsonNode());
                return array;
            case JsonInputKind.String:
                return JsonValue.Create(Text);
            case JsonInputKind.Number:
                return JsonNode.Parse(Text!);
            case JsonInputKind.Boolean:
                return JsonValue.Create(Boolean);
            default:
                return null;
        }
    }

    private static bool IsIntegerText(string text) => text.AsSpan().IndexOfAny('.', 'e', 'E') < 0;

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}

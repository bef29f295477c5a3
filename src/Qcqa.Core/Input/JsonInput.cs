using System.Text;
using System.Text.Json;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Input;

/// <summary>
/// The one JSON reader for every JSON file the engine takes from users: <c>config.json</c>, the shard index, grouping
/// files, safetensors headers, build stamps. It checks, in this order and with a line and column each time: strict
/// UTF-8 (no silent replacement characters), JSON syntax, nesting depth (<see cref="InputLimits.MaxJsonDepth"/>),
/// and property names repeated in one object (System.Text.Json's document model would keep both). The result is a
/// tree of <see cref="JsonInputNode"/>s that remember their positions.
/// </summary>
public static class JsonInput
{
    /// <summary>Reads and parses a JSON file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="missingCode">Code for a missing file.</param>
    /// <param name="badCode">Code for every other problem (the format's own code, e.g. QCQA013 for config.json).</param>
    /// <param name="what">How messages name the file, e.g. "config.json".</param>
    /// <param name="maxBytes">Largest file accepted.</param>
    /// <exception cref="QcqaException">The file is missing, too large, or not valid UTF-8 JSON.</exception>
    public static JsonInputNode Read(string path, string missingCode, string badCode, string what, long maxBytes = InputLimits.MaxJsonFileBytes)
        => Parse(InputFile.ReadAllBytes(path, maxBytes, missingCode, badCode, what), path, badCode, what);

    /// <summary>Parses JSON text.</summary>
    /// <param name="utf8">The bytes (a UTF-8 byte-order mark is skipped).</param>
    /// <param name="path">The file, for errors.</param>
    /// <param name="code">The format's error code.</param>
    /// <param name="what">How messages name the text.</param>
    /// <param name="allowComments">Accept <c>//</c> and <c>/* */</c> comments and trailing commas (Hugging Face files sometimes carry them).</param>
    /// <exception cref="QcqaException">The text is not valid UTF-8 JSON, nests too deep, or repeats a property name.</exception>
    public static JsonInputNode Parse(ReadOnlySpan<byte> utf8, string path, string code, string what, bool allowComments = true)
    {
        StrictUtf8.Check(utf8, path, code, what);
        var start = utf8.StartsWith(Bom) ? Bom.Length : 0;
        var text = utf8[start..];
        var lines = new LineCounter(utf8, start);
        var options = new JsonReaderOptions
        {
            MaxDepth = InputLimits.MaxJsonDepth,
            CommentHandling = allowComments ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow,
            AllowTrailingCommas = allowComments,
        };
        var reader = new Utf8JsonReader(text, isFinalBlock: true, new JsonReaderState(options));
        var open = new Stack<Container>();
        JsonInputNode? root = null;
        (string Name, int Line, int Column)? pendingName = null;
        try
        {
            while (reader.Read())
            {
                var (line, column) = lines.At(start + (int)reader.TokenStartIndex);
                JsonInputNode? complete = null;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        open.Push(new Container(line, column, pendingName, new List<JsonInputProperty>(), null));
                        pendingName = null;
                        continue;
                    case JsonTokenType.StartArray:
                        open.Push(new Container(line, column, pendingName, null, new List<JsonInputNode>()));
                        pendingName = null;
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        var done = open.Pop();
                        complete = new JsonInputNode(done.Properties is not null ? JsonInputKind.Object : JsonInputKind.Array,
                            done.Line, done.Column, properties: done.Properties, items: done.Items);
                        pendingName = done.Name;
                        break;
                    case JsonTokenType.PropertyName:
                        var name = ReadString(ref reader, path, code, what, line, column);
                        var parent = open.Peek();
                        if (parent.Names.Contains(name))
                            throw new QcqaException(code, $"{what} lists '{JsonInputNode.Shorten(name)}' more than once{(parent.Name is { } holder ? $" in \"{JsonInputNode.Shorten(holder.Name)}\"" : " in the same object")}.", path, line, column);
                        parent.Names.Add(name);
                        pendingName = (name, line, column);
                        continue;
                    case JsonTokenType.String:
                        complete = new JsonInputNode(JsonInputKind.String, line, column, ReadString(ref reader, path, code, what, line, column));
                        break;
                    case JsonTokenType.Number:
                        complete = new JsonInputNode(JsonInputKind.Number, line, column, Encoding.ASCII.GetString(reader.ValueSpan));
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        complete = new JsonInputNode(JsonInputKind.Boolean, line, column, boolean: reader.TokenType == JsonTokenType.True);
                        break;
                    case JsonTokenType.Null:
                        complete = new JsonInputNode(JsonInputKind.Null, line, column);
                        break;
                    default:
                        continue;
                }

                var owner = pendingName;
                pendingName = null;
                if (open.Count == 0)
                {
                    root = complete;
                    continue;
                }
                var container = open.Peek();
                if (container.Properties is not null) container.Properties.Add(new JsonInputProperty(owner!.Value.Name, owner.Value.Line, owner.Value.Column, complete));
                else container.Items!.Add(complete);
            }
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = (int)(e.BytePositionInLine ?? 0) + 1;
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut].TrimEnd();
            throw new QcqaException(code, $"{what} is not valid JSON: {message}", path, line, column, e);
        }
        return root ?? throw new QcqaException(code, $"{what} is empty; it must hold a JSON value.", path, 1, 1);
    }

    private static string ReadString(ref Utf8JsonReader reader, string path, string code, string what, int line, int column)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // Escapes such as a lone "\ud800" decode to text that is not valid UTF-16.
            throw new QcqaException(code, $"{what} has a string with an invalid escape sequence.", path, line, column, e);
        }
    }

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    private sealed record Container(int Line, int Column, (string Name, int Line, int Column)? Name,
        List<JsonInputProperty>? Properties, List<JsonInputNode>? Items)
    {
        internal HashSet<string> Names { get; } = new(StringComparer.Ordinal);
    }

    // Positions of token starts, which arrive in increasing order: the lines before are counted once in total.
    private ref struct LineCounter(ReadOnlySpan<byte> utf8, int start)
    {
        private readonly ReadOnlySpan<byte> _utf8 = utf8;
        private int _offset = start;
        private int _line = 1;
        private int _column = 1;

        internal (int Line, int Column) At(int offset)
        {
            for (; _offset < offset && _offset < _utf8.Length; _offset++)
            {
                var b = _utf8[_offset];
                if (b == (byte)'\n')
                {
                    _line++;
                    _column = 1;
                }
                else if ((b & 0xC0) != 0x80)
                {
                    _column++;
                }
            }
            return (_line, _column);
        }
    }
}

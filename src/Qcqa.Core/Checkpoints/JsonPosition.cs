using System.Text.Json;

namespace Qcqa.Core.Checkpoints;

/// <summary>Finds line and column of JSON properties, so that diagnostics can point into the user's file.</summary>
internal static class JsonPosition
{
    /// <summary>1-based line and column where top-level property <paramref name="name"/> starts; (0, 0) when absent.</summary>
    internal static (int Line, int Column) OfTopLevelProperty(ReadOnlySpan<byte> utf8, string name)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(name))
                    return OfOffset(utf8, (int)reader.TokenStartIndex);
            }
        }
        catch (JsonException)
        {
            // A position is a courtesy; a file that does not parse has already been reported with its own position.
        }
        return (0, 0);
    }

    /// <summary>1-based line and column of byte <paramref name="offset"/> (columns count bytes, as MSBuild's do for ASCII).</summary>
    internal static (int Line, int Column) OfOffset(ReadOnlySpan<byte> utf8, int offset)
    {
        var before = utf8[..offset];
        var line = before.Count((byte)'\n') + 1;
        var lastNewline = before.LastIndexOf((byte)'\n');
        return (line, offset - lastNewline);
    }

    /// <summary>
    /// The first property that appears twice in the same object, anywhere in the document, with the name of the
    /// property holding that object (null at the top level) and its 1-based position; null when there is none (or
    /// the JSON does not parse, which the caller reports itself). System.Text.Json's document model tolerates
    /// duplicates and its node model throws a generic error only when the object is first used, so duplicates are
    /// looked for up front.
    /// </summary>
    internal static (string Name, string? Parent, int Line, int Column)? FindDuplicateProperty(ReadOnlySpan<byte> utf8)
    {
        var open = new Stack<(HashSet<string>? Names, string? Parent)>();
        string? lastProperty = null;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        open.Push((new HashSet<string>(StringComparer.Ordinal), lastProperty));
                        break;
                    case JsonTokenType.StartArray:
                        open.Push((null, lastProperty));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        open.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        var (names, parent) = open.Peek();
                        if (!names!.Add(name))
                        {
                            var (line, column) = OfOffset(utf8, (int)reader.TokenStartIndex);
                            return (name, parent, line, column);
                        }
                        lastProperty = name;
                        break;
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}

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
}

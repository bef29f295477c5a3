namespace Qcqa.Core.Input;

/// <summary>Line and column of a byte offset in UTF-8 text, as MSBuild's canonical form wants them (1-based, columns in characters).</summary>
internal static class TextPosition
{
    /// <summary>1-based line and column of byte <paramref name="offset"/> (columns count characters, not bytes).</summary>
    internal static (int Line, int Column) Of(ReadOnlySpan<byte> utf8, long offset)
    {
        var end = (int)Math.Clamp(offset, 0, utf8.Length);
        var before = utf8[..end];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var column = 1;
        foreach (var b in before[lineStart..])
            if ((b & 0xC0) != 0x80) column++;
        return (line, column);
    }
}

using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Input;

/// <summary>
/// Decodes input text as strict UTF-8: an invalid byte sequence is an error at its line and column, never a silent
/// replacement character (which would let a garbled tensor name or path pass) nor a crash further down.
/// </summary>
public static class StrictUtf8
{
    /// <summary>The offset of the first byte that is not valid UTF-8, or -1 when all of it is valid.</summary>
    public static int FirstInvalidByte(ReadOnlySpan<byte> utf8)
    {
        var offset = 0;
        while (offset < utf8.Length)
        {
            if (Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }
        return -1;
    }

    /// <summary>Throws a positioned error when <paramref name="utf8"/> is not valid UTF-8.</summary>
    /// <param name="utf8">The file's bytes (or the part of them that is text).</param>
    /// <param name="path">The file, for the error.</param>
    /// <param name="code">The error code of this kind of file.</param>
    /// <param name="what">How messages name the text, e.g. "The spec".</param>
    /// <exception cref="QcqaException">The text is not valid UTF-8.</exception>
    public static void Check(ReadOnlySpan<byte> utf8, string path, string code, string what)
    {
        if (Utf8.IsValid(utf8)) return;
        var offset = FirstInvalidByte(utf8);
        var (line, column) = TextPosition.Of(utf8, offset);
        throw new QcqaException(code, $"{what} is not valid UTF-8: byte 0x{utf8[offset]:X2} at offset {offset} does not start a valid character.", path, line, column);
    }

    /// <summary>Decodes <paramref name="utf8"/> (a leading byte-order mark is dropped) after <see cref="Check"/>.</summary>
    /// <exception cref="QcqaException">The text is not valid UTF-8.</exception>
    public static string Decode(ReadOnlySpan<byte> utf8, string path, string code, string what)
    {
        Check(utf8, path, code, what);
        if (utf8.StartsWith(Bom)) utf8 = utf8[Bom.Length..];
        return Encoding.UTF8.GetString(utf8);
    }

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];
}

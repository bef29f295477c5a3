namespace Qcqa.Core.Checkpoints;

/// <summary>
/// The byte ↔ character map of byte-level BPE (GPT-2's <c>bytes_to_unicode</c>): printable Latin-1 bytes stand for
/// themselves, the other 68 bytes for U+0100 onwards (so a space is <c>Ġ</c>). Byte-level vocabularies are written
/// in these characters; one character is one byte of the text. (Synthetic models write their tokenizer with it;
/// Qcqa.Torch decodes byte-level tokenizers with it.)
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    /// <summary>The character that stands for byte <paramref name="b"/>.</summary>
    public static char Of(byte b) => ByteToChar[b];

    /// <summary>The vocabulary spelling of <paramref name="utf8"/>.</summary>
    public static string Spell(ReadOnlySpan<byte> utf8)
    {
        var chars = new char[utf8.Length];
        for (var i = 0; i < utf8.Length; i++) chars[i] = ByteToChar[utf8[i]];
        return new string(chars);
    }

    /// <summary>Appends the bytes a vocabulary string spells; false when a character is not in the alphabet.</summary>
    public static bool TryAppendBytes(string token, List<byte> bytes)
    {
        foreach (var c in token)
        {
            if (!CharToByte.TryGetValue(c, out var b)) return false;
            bytes.Add(b);
        }
        return true;
    }

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}

using System.Buffers.Binary;
using System.IO.Hashing;

namespace Qcqa.Core.Cache;

/// <summary>
/// The on-disk layout of one cache entry: a 48-byte header, then the payload.
/// <code>
/// offset size  field
///      0    4  magic "QCCE"
///      4    2  format version (1), little-endian
///      6    2  header length (48), little-endian
///      8    8  payload length, little-endian
///     16   16  XxHash128 of the entry's key hash (guards against a file copied or renamed under another key)
///     32   16  XxHash128 of the payload
/// </code>
/// A file shorter or longer than header + payload length, or whose checksums disagree, is corrupt.
/// </summary>
internal static class CacheEntryFormat
{
    internal const int HeaderLength = 48;
    internal const ushort Version = 1;
    private static ReadOnlySpan<byte> Magic => "QCCE"u8;

    internal static byte[] Encode(CacheKey key, ReadOnlySpan<byte> payload)
    {
        var entry = new byte[HeaderLength + payload.Length];
        var header = entry.AsSpan(0, HeaderLength);
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], HeaderLength);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], (ulong)payload.Length);
        XxHash128.Hash(System.Text.Encoding.ASCII.GetBytes(key.ToString()), header.Slice(16, 16));
        XxHash128.Hash(payload, header.Slice(32, 16));
        payload.CopyTo(entry.AsSpan(HeaderLength));
        return entry;
    }

    /// <summary>Checks an entry read from disk and returns its payload, or a reason why it is unusable.</summary>
    internal static bool TryDecode(CacheKey key, byte[] entry, out ReadOnlyMemory<byte> payload, out string problem)
    {
        payload = default;
        if (entry.Length < HeaderLength) return Fail($"truncated header ({entry.Length} of {HeaderLength} bytes)", out problem);
        var header = entry.AsSpan(0, HeaderLength);
        if (!header[..4].SequenceEqual(Magic)) return Fail("bad magic", out problem);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != Version) return Fail($"format version {version}, expected {Version}", out problem);
        if (BinaryPrimitives.ReadUInt16LittleEndian(header[6..]) != HeaderLength) return Fail("bad header length", out problem);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        if (length != (ulong)(entry.Length - HeaderLength))
            return Fail($"payload length {entry.Length - HeaderLength}, header says {length}", out problem);
        Span<byte> expected = stackalloc byte[16];
        XxHash128.Hash(System.Text.Encoding.ASCII.GetBytes(key.ToString()), expected);
        if (!header.Slice(16, 16).SequenceEqual(expected)) return Fail("entry belongs to another key", out problem);
        var body = entry.AsMemory(HeaderLength);
        XxHash128.Hash(body.Span, expected);
        if (!header.Slice(32, 16).SequenceEqual(expected)) return Fail("payload checksum mismatch", out problem);
        payload = body;
        problem = "";
        return true;
    }

    private static bool Fail(string reason, out string problem)
    {
        problem = reason;
        return false;
    }
}

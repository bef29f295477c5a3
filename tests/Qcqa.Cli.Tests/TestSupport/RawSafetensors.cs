using System.Buffers.Binary;
using System.Text;

namespace Qcqa.Cli.Tests.TestSupport;

/// <summary>Hand-made safetensors bytes, for headers no writer would produce.</summary>
internal static class RawSafetensors
{
    /// <summary>The 8-byte little-endian header length, the header, then <paramref name="data"/>.</summary>
    public static byte[] Build(string header, byte[] data) => Build(Encoding.UTF8.GetBytes(header), data);

    /// <summary>The 8-byte little-endian header length, the header bytes, then <paramref name="data"/>.</summary>
    public static byte[] Build(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>The header JSON of a file, as text.</summary>
    public static string ReadHeader(byte[] file)
        => Encoding.UTF8.GetString(file, 8, checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file)));
}

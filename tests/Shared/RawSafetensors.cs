using System.Buffers.Binary;
using System.Text;

namespace Qcqa.Tests.Shared;

/// <summary>Safetensors files made byte by byte, including malformed ones no writer would produce.</summary>
internal static class RawSafetensors
{
    /// <summary>The 8-byte little-endian header length, the header, then <paramref name="data"/>.</summary>
    /// <param name="header">The header JSON (any text, valid or not).</param>
    /// <param name="data">The bytes after the header.</param>
    /// <param name="declaredLength">The length to write instead of the header's real one.</param>
    public static byte[] Build(string header, byte[] data, ulong? declaredLength = null) => Build(Encoding.UTF8.GetBytes(header), data, declaredLength);

    /// <summary>The 8-byte little-endian header length, the header bytes, then <paramref name="data"/>.</summary>
    /// <param name="header">The header's bytes.</param>
    /// <param name="data">The bytes after the header.</param>
    /// <param name="declaredLength">The length to write instead of the header's real one.</param>
    public static byte[] Build(byte[] header, byte[] data, ulong? declaredLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>Writes <see cref="Build(string, byte[], ulong?)"/>'s bytes to <paramref name="path"/>.</summary>
    public static void Write(string path, string header, byte[] data, ulong? declaredLength = null)
        => File.WriteAllBytes(path, Build(header, data, declaredLength));

    /// <summary>A header with one tensor <c>t</c> of the given dtype, shape and offsets (JSON fragments as written).</summary>
    public static string OneTensor(string dtype, string shape, string offsets) =>
        $"{{\"t\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":{offsets}}}}}";

    /// <summary>The header JSON of a file's bytes, as text.</summary>
    public static string ReadHeader(byte[] file)
        => Encoding.UTF8.GetString(file, 8, checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file)));
}

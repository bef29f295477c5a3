using System.Buffers.Binary;
using System.Text;

namespace Qcqa.Core.Tests.TestSupport;

/// <summary>Writes safetensors files byte by byte, including malformed ones the real writer refuses to produce.</summary>
public static class RawSafetensors
{
    /// <summary>Writes an 8-byte length (the header's, unless <paramref name="declaredLength"/> overrides it), the header and the data.</summary>
    public static void Write(string path, string header, byte[] data, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A header with one F32 tensor "t" of the given shape and offsets.</summary>
    public static string OneTensor(string dtype, string shape, string offsets) =>
        $"{{\"t\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":{offsets}}}}}";
}

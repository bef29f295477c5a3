using System.Text;

namespace Qcqa.Torch.Text;

/// <summary>The byte vocabulary: token i is byte i of the UTF-8 encoding.</summary>
internal sealed class ByteCodec : ITokenCodec
{
    /// <summary>The vocabulary size a byte-level model has.</summary>
    internal const int VocabularySize = 256;

    public int MaxId => VocabularySize - 1;

    public List<int> Encode(string text) => Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToList();

    public string Decode(IReadOnlyList<int> ids)
    {
        var bytes = new byte[ids.Count];
        for (var i = 0; i < bytes.Length; i++) bytes[i] = checked((byte)ids[i]);
        return Encoding.UTF8.GetString(bytes);
    }

    public int? IdOf(string token) => null;
}

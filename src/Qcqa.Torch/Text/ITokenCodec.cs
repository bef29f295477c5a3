namespace Qcqa.Torch.Text;

/// <summary>One tokenizer family: text to ids and back, with no beginning- or end-of-sequence tokens added.</summary>
internal interface ITokenCodec
{
    /// <summary>The largest id the tokenizer can produce (vocabulary and added tokens).</summary>
    int MaxId { get; }

    /// <summary>The ids of <paramref name="text"/>, without special tokens added around it.</summary>
    List<int> Encode(string text);

    /// <summary>The text of <paramref name="ids"/>; special and control tokens are left out.</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>The id of a whole token string (e.g. <c>&lt;s&gt;</c>), or null when the tokenizer does not know it.</summary>
    int? IdOf(string token);
}

using Microsoft.ML.Tokenizers;

namespace Qcqa.Torch.Text;

/// <summary>A SentencePiece model (<c>tokenizer.model</c>, BPE or unigram), run by Microsoft.ML.Tokenizers.</summary>
/// <param name="tokenizer">The library's tokenizer, created without beginning- or end-of-sentence tokens.</param>
internal sealed class SentencePieceCodec(SentencePieceTokenizer tokenizer) : ITokenCodec
{
    public int MaxId { get; } = Math.Max(tokenizer.Vocabulary.Values.DefaultIfEmpty(-1).Max(), tokenizer.SpecialTokens?.Values.DefaultIfEmpty(-1).Max() ?? -1);

    /// <summary>The model's beginning-of-sentence id, or null when it defines none.</summary>
    internal int? BeginningOfSentence => tokenizer.BeginningOfSentenceId >= 0 ? tokenizer.BeginningOfSentenceId : null;

    /// <summary>The model's end-of-sentence id, or null when it defines none.</summary>
    internal int? EndOfSentence => tokenizer.EndOfSentenceId >= 0 ? tokenizer.EndOfSentenceId : null;

    public List<int> Encode(string text) => [.. tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false)];

    public string Decode(IReadOnlyList<int> ids) => tokenizer.Decode(ids, considerSpecialTokens: false);

    public int? IdOf(string token) => tokenizer.Vocabulary.TryGetValue(token, out var id) ? id : null;
}

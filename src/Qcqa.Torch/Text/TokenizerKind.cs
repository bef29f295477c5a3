namespace Qcqa.Torch.Text;

/// <summary>Which tokenizer a model folder holds, and so how text becomes token ids.</summary>
public enum TokenizerKind
{
    /// <summary>No tokenizer file: token i is a byte of the text's UTF-8 encoding (models with <c>vocab_size</c> 256).</summary>
    Bytes,

    /// <summary><c>tokenizer.json</c> with a byte-level BPE model (GPT-2, Llama-3): text is split by a regular expression and encoded as bytes.</summary>
    ByteLevelBpe,

    /// <summary>
    /// <c>tokenizer.json</c> with a BPE model over characters, spaces written as <c>▁</c>, and (when the file says
    /// <c>byte_fallback</c>) unknown characters spelled as <c>&lt;0xXX&gt;</c> byte tokens: Llama-2, Mistral.
    /// </summary>
    CharacterBpe,

    /// <summary><c>tokenizer.model</c>: a SentencePiece model (BPE or unigram).</summary>
    SentencePiece,
}

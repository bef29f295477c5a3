namespace Qcqa.Core.Checkpoints;

/// <summary>
/// The tokenizer files a Hugging Face model folder may hold. The merger copies them with the checkpoint; the
/// evaluation cache keys on them, since they decide the tokens a model is evaluated on.
/// </summary>
public static class TokenizerFileNames
{
    /// <summary>The Hugging Face fast tokenizer (vocabulary, merges, normalizer, pre-tokenizer, post-processor).</summary>
    public const string TokenizerJson = "tokenizer.json";

    /// <summary>A SentencePiece model (protobuf), as Llama-2 and Mistral ship it.</summary>
    public const string SentencePieceModel = "tokenizer.model";

    /// <summary>Tokenizer settings of Transformers: <c>add_bos_token</c>, <c>bos_token</c>, <c>eos_token</c>.</summary>
    public const string TokenizerConfig = "tokenizer_config.json";

    /// <summary>Every file above, in a fixed order.</summary>
    public static IReadOnlyList<string> All { get; } = [TokenizerJson, SentencePieceModel, TokenizerConfig];
}

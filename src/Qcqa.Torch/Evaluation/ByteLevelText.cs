using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Evaluation;

/// <summary>
/// Held-out text as byte-level tokens: token i is the i-th byte of the file's UTF-8 encoding (vocabulary 256).
/// Tokenizers are out of scope for now, so only models with <c>vocab_size</c> 256 can be evaluated.
/// </summary>
public sealed class ByteLevelText
{
    /// <summary>The vocabulary size byte-level tokens need.</summary>
    public const int VocabularySize = 256;

    private ByteLevelText(string path, long[] tokens)
    {
        Path = path;
        Tokens = tokens;
    }

    /// <summary>The file the text was read from.</summary>
    public string Path { get; }

    /// <summary>The token ids, one per byte, in file order.</summary>
    public IReadOnlyList<long> Tokens { get; }

    /// <summary>Reads the first <paramref name="maxTokens"/> bytes of a file (all of it when null).</summary>
    /// <param name="path">The text file (its bytes are taken as they are: UTF-8 for text).</param>
    /// <param name="maxTokens">Cap on the tokens read; at least 2.</param>
    /// <exception cref="QcqaException">
    /// QCQA050 when the file does not exist, cannot be read, or holds fewer than 2 bytes; QCQA003 when
    /// <paramref name="maxTokens"/> is below 2.
    /// </exception>
    public static ByteLevelText Load(string path, long? maxTokens = null)
    {
        Preconditions.CheckNotNull(path);
        if (maxTokens is < 2)
            throw new QcqaException(ErrorCodes.BadArgument, $"The token cap must be at least 2 (got {maxTokens}): perplexity scores every token after the first.");
        if (!File.Exists(path))
            throw new QcqaException(ErrorCodes.BadEvaluationInput, "The evaluation text file does not exist.", path);

        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var length = Math.Min(stream.Length, maxTokens ?? long.MaxValue);
            if (length > Array.MaxLength)
                throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The evaluation text is {length:N0} bytes; cap it with a token limit below {Array.MaxLength:N0}.", path);
            bytes = new byte[length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The evaluation text cannot be read: {e.Message}", path, inner: e);
        }
        if (bytes.Length < 2)
            throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The evaluation text holds {bytes.Length} byte(s); perplexity needs at least 2 tokens.", path);
        return new ByteLevelText(path, Array.ConvertAll(bytes, b => (long)b));
    }

    /// <summary>Checks that a model reads byte-level tokens.</summary>
    /// <param name="config">The model's architecture.</param>
    /// <param name="configPath">The model's <c>config.json</c>, named by the error.</param>
    /// <exception cref="QcqaException">QCQA050 when <c>vocab_size</c> is not 256.</exception>
    public static void CheckVocabulary(LlamaConfig config, string? configPath = null)
    {
        Preconditions.CheckNotNull(config);
        if (config.VocabSize != VocabularySize)
            throw new QcqaException(ErrorCodes.BadEvaluationInput,
                $"The model's vocab_size is {config.VocabSize}, but evaluation reads text as UTF-8 bytes and needs a byte-level model (vocab_size {VocabularySize}); tokenizers are not supported yet.",
                configPath);
    }
}

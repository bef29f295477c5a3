using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.Text;

/// <summary>
/// A text file as a model's tokens, with what bits per byte needs: how many bytes of text the tokens cover. For a
/// byte model the tokens are the file's bytes (the first <c>maxTokens</c> of them); otherwise the whole file is
/// decoded as UTF-8, encoded by the model's tokenizer (with its beginning-of-sequence token) and cut to
/// <c>maxTokens</c>.
/// </summary>
public sealed class TokenizedText
{
    private TokenizedText(string path, ModelTokenizer tokenizer, long[] tokens, long textTokens, long textBytes)
    {
        Path = path;
        Tokenizer = tokenizer;
        Tokens = tokens;
        TextTokens = textTokens;
        TextBytes = textBytes;
    }

    /// <summary>The file the text was read from.</summary>
    public string Path { get; }

    /// <summary>The tokenizer that produced <see cref="Tokens"/>.</summary>
    public ModelTokenizer Tokenizer { get; }

    /// <summary>The token ids, beginning-of-sequence token included.</summary>
    public IReadOnlyList<long> Tokens { get; }

    /// <summary>Tokens that stand for text: <see cref="Tokens"/> without the ones the tokenizer added before it.</summary>
    public long TextTokens { get; }

    /// <summary>
    /// UTF-8 bytes of the text the tokens cover: the whole file (less a byte-order mark) when it was tokenized whole,
    /// else the bytes of the kept tokens decoded.
    /// </summary>
    public long TextBytes { get; }

    /// <summary>
    /// Bits per byte from a mean NLL per scored token: (mean NLL / ln 2) · <see cref="TextTokens"/> / <see cref="TextBytes"/>,
    /// i.e. bits per token spread over the bytes a token covers on average. It compares models with different
    /// tokenizers; for a byte model it is the mean NLL in bits.
    /// </summary>
    /// <param name="meanNll">Mean negative log-likelihood per scored token, in nats.</param>
    public double BitsPerByte(double meanNll) => meanNll / Math.Log(2) * TextTokens / TextBytes;

    /// <summary>Reads and tokenizes <paramref name="path"/>.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="path">The text file.</param>
    /// <param name="maxTokens">Cap on the tokens kept (at least 2), or null for all.</param>
    /// <exception cref="QcqaException">
    /// QCQA050 when the file does not exist, cannot be read, is not UTF-8 (for a text tokenizer) or gives fewer than 2
    /// tokens; QCQA003 when <paramref name="maxTokens"/> is below 2.
    /// </exception>
    public static TokenizedText Load(ModelTokenizer tokenizer, string path, long? maxTokens = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(path);
        if (maxTokens is < 2)
            throw new QcqaException(ErrorCodes.BadArgument, $"The token cap must be at least 2 (got {maxTokens}): perplexity scores every token after the first.");
        if (!File.Exists(path))
            throw new QcqaException(ErrorCodes.BadEvaluationInput, "The evaluation text file does not exist.", path);

        // A byte model needs only the first maxTokens bytes; a text tokenizer needs the whole text.
        var bytes = Read(path, tokenizer.Kind == TokenizerKind.Bytes ? maxTokens : null);
        var all = tokenizer.EncodeUtf8(bytes, path);
        var tokens = maxTokens is { } cap && all.Length > cap ? all[..(int)cap] : all;
        if (tokens.Length < 2)
            throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The evaluation text gives {tokens.Length} token(s); perplexity needs at least 2.", path);

        var prefix = tokenizer.Kind == TokenizerKind.Bytes ? 0 : Math.Min(tokenizer.PrefixIds.Count, tokens.Length);
        long textBytes;
        if (tokenizer.Kind == TokenizerKind.Bytes) textBytes = tokens.Length;
        else if (tokens.Length == all.Length) textBytes = bytes.Length - (bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0);
        else textBytes = System.Text.Encoding.UTF8.GetByteCount(tokenizer.Decode(tokens));
        if (textBytes == 0)
            throw new QcqaException(ErrorCodes.BadEvaluationInput, "The evaluation text's tokens cover no bytes of text.", path);
        return new TokenizedText(path, tokenizer, tokens, tokens.Length - prefix, textBytes);
    }

    private static byte[] Read(string path, long? maxBytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var length = Math.Min(stream.Length, maxBytes ?? long.MaxValue);
            if (length > Array.MaxLength)
                throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The evaluation text is {length:N0} bytes; use a shorter text or a token cap.", path);
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QcqaException(ErrorCodes.BadEvaluationInput, $"The evaluation text cannot be read: {e.Message}", path, inner: e);
        }
    }
}

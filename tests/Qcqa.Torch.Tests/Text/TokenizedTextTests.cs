using System.Text;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.Tests.Text;

/// <summary>Held-out text read with a model's tokenizer, with the bytes the tokens cover for bits per byte.</summary>
public sealed class TokenizedTextTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private ModelTokenizer Bytes()
    {
        var folder = _temp.Combine("bytes");
        TokenizerFolders.WriteConfig(folder, 256);
        return ModelTokenizer.Load(folder);
    }

    [Fact]
    public void ForAByteModelEveryUtf8ByteIsOneTokenAndBitsPerByteIsTheNllInBits()
    {
        var path = _temp.Combine("text.txt");
        File.WriteAllText(path, "é!", new UTF8Encoding(false));

        var text = TokenizedText.Load(Bytes(), path);

        Assert.Equal([0xC3, 0xA9, 0x21], text.Tokens);
        Assert.Equal(3, text.TextBytes);
        Assert.Equal(1.0, text.BitsPerByte(Math.Log(2)), 12);
    }

    [Fact]
    public void ForAByteModelTheTokenCapReadsOnlyTheBeginning()
    {
        var path = _temp.Write("text.txt", "abcdefghij");

        var text = TokenizedText.Load(Bytes(), path, maxTokens: 4);

        Assert.Equal([97, 98, 99, 100], text.Tokens);
        Assert.Equal(4, text.TextBytes);
    }

    [Fact]
    public void TheModelsTokenizerAddsItsBosAndCountsTheFilesBytes()
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.Llama2));
        var path = _temp.Write("text.txt", "naïve café déjà vu");

        var text = TokenizedText.Load(tokenizer, path);

        Assert.Equal(tokenizer.Encode("naïve café déjà vu"), text.Tokens);
        Assert.Equal(1L, text.Tokens[0]);
        Assert.Equal(text.Tokens.Count - 1, text.TextTokens);
        Assert.Equal(Encoding.UTF8.GetByteCount("naïve café déjà vu"), text.TextBytes);
        // 18 tokens of text over 23 bytes: one nat per token is 18/23 nats per byte.
        Assert.Equal(text.TextTokens / (double)text.TextBytes / Math.Log(2), text.BitsPerByte(1.0), 12);
    }

    [Fact]
    public void ACappedTextCountsTheBytesOfTheTokensKept()
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.Llama3));
        var path = _temp.Write("text.txt", "In the beginning God created the heaven and the earth.");

        var text = TokenizedText.Load(tokenizer, path, maxTokens: 5);

        // <|begin_of_text|> and four text tokens, which spell a prefix of the text.
        Assert.Equal(5, text.Tokens.Count);
        Assert.Equal(4, text.TextTokens);
        Assert.Equal(Encoding.UTF8.GetByteCount(tokenizer.Decode(text.Tokens)), text.TextBytes);
        Assert.StartsWith(tokenizer.Decode(text.Tokens), "In the beginning");
    }

    [Fact]
    public void TextThatIsNotUtf8IsAnEvaluationInputErrorForATextTokenizer()
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.Llama2));
        var path = _temp.Combine("latin1.txt");
        File.WriteAllBytes(path, [0x63, 0x61, 0x66, 0xE9, 0x20, 0x21]);

        var error = Assert.Throws<QcqaException>(() => TokenizedText.Load(tokenizer, path));

        Assert.Equal(ErrorCodes.BadEvaluationInput, error.Code);
        Assert.Equal(path, error.File);
        Assert.Contains("byte 3", error.Message);
    }

    [Fact]
    public void AMissingFileIsAnEvaluationInputError()
    {
        var path = _temp.Combine("missing.txt");

        var error = Assert.Throws<QcqaException>(() => TokenizedText.Load(Bytes(), path));

        Assert.Equal(ErrorCodes.BadEvaluationInput, error.Code);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void ATextOfOneTokenCannotBeScored()
    {
        var path = _temp.Write("short.txt", "x");

        Assert.Equal(ErrorCodes.BadEvaluationInput, Assert.Throws<QcqaException>(() => TokenizedText.Load(Bytes(), path)).Code);
    }

    [Fact]
    public void ACapBelowTwoIsABadArgument()
    {
        var path = _temp.Write("text.txt", "abc");

        Assert.Equal(ErrorCodes.BadArgument, Assert.Throws<QcqaException>(() => TokenizedText.Load(Bytes(), path, maxTokens: 1)).Code);
    }
}

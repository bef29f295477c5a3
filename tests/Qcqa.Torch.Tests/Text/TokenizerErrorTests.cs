using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.Tests.Text;

/// <summary>A tokenizer that is missing, broken, unsupported or too big for the model fails with QCQA051 naming the file.</summary>
public sealed class TokenizerErrorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void GivenNoTokenizerFilesAndANonByteVocabularyItNamesTheMissingFile()
    {
        var folder = _temp.Combine("model");
        TokenizerFolders.WriteConfig(folder, 32000);

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(Path.Combine(folder, "tokenizer.json"), error.File);
        Assert.Contains("tokenizer.model", error.Message);
        Assert.Contains("32000", error.Message);
    }

    [Fact]
    public void GivenATruncatedTokenizerJsonItNamesTheFileAndLine()
    {
        var folder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama2);
        var path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, File.ReadAllText(path)[..5000]);

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(path, error.File);
        Assert.True(error.Line > 1, $"line {error.Line}");
        Assert.StartsWith($"{path}({error.Line},", error.ToCanonicalString());
    }

    [Fact]
    public void GivenACorruptSentencePieceModelItNamesTheFile()
    {
        var folder = _temp.Combine("model");
        TokenizerFolders.WriteConfig(folder, 32000);
        var path = Path.Combine(folder, "tokenizer.model");
        File.WriteAllBytes(path, [0x0A, 0xFF, 0xFF, 0x03, 0x41]);

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(path, error.File);
    }

    [Theory]
    [InlineData(TokenizerFolders.Llama2, 699)]
    [InlineData(TokenizerFolders.Llama3, 602)]
    [InlineData(TokenizerFolders.SentencePieceBpe, 699)]
    public void GivenAVocabularyLargerThanTheEmbeddingItNamesBothSizes(string fixture, int largestId)
    {
        var folder = TokenizerFolders.Create(_temp, fixture, vocabSize: 500);

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Contains($"up to {largestId}", error.Message);
        Assert.Contains("500 rows", error.Message);
        Assert.Equal(folder, Path.GetDirectoryName(error.File));
    }

    [Fact]
    public void AnEmbeddingWithSpareRowsIsFine()
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.Llama3, vocabSize: 603));

        Assert.Equal(603, tokenizer.EmbeddingRows);
    }

    [Fact]
    public void GivenAUnigramTokenizerJsonItListsWhatIsSupported()
    {
        var folder = _temp.Combine("model");
        TokenizerFolders.WriteConfig(folder, 32000);
        var path = _temp.Write("model/tokenizer.json", """{"model": {"type": "Unigram", "vocab": [["a", -1.0]]}}""");

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(path, error.File);
        Assert.Contains("'Unigram' is not supported", error.Message);
        Assert.Contains("BPE", error.Message);
    }

    [Fact]
    public void GivenAnUnsupportedPreTokenizerItNamesIt()
    {
        var folder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama3);
        var path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"type\": \"Split\"", "\"type\": \"BertPreTokenizer\""));

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(path, error.File);
        Assert.Contains("'BertPreTokenizer'", error.Message);
    }

    [Fact]
    public void GivenAMergeOfAnUnknownTokenItSaysSo()
    {
        var folder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama3);
        var path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"merges\": [", "\"merges\": [\n  [\"nosuch\", \"token\"],"));

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Contains("nosuch", error.Message);
    }

    [Fact]
    public void GivenATokenizerConfigThatIsNotJsonItNamesThatFile()
    {
        var folder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama2);
        var path = _temp.Write("llama2-bpe/tokenizer_config.json", "{ \"add_bos_token\": tru }");

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void GivenABosTokenTheTokenizerDoesNotKnowItNamesTheConfig()
    {
        var folder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama2);
        var path = _temp.Write("llama2-bpe/tokenizer_config.json", """{"add_bos_token": true, "bos_token": "<start>"}""");

        var error = Assert.Throws<QcqaException>(() => ModelTokenizer.Load(folder));

        Assert.Equal(path, error.File);
        Assert.Contains("<start>", error.Message);
    }
}

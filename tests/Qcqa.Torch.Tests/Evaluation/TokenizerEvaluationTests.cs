using Qcqa.Core.Checkpoints;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Tests.TestSupport;
using Qcqa.Torch.Tests.Text;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>A model with its own tokenizer is evaluated on that tokenizer's ids, per token and in bits per byte.</summary>
public sealed class TokenizerEvaluationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AModelWithATokenizerJsonIsEvaluatedOnItsTokensAndReportsBitsPerByte()
    {
        var folder = SyntheticModels.Write(_temp.Combine("model"), SyntheticModels.Options(vocab: 700));
        foreach (var file in Directory.EnumerateFiles(TokenizerFolders.Fixture(TokenizerFolders.Llama2)))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        var path = _temp.Write("heldout.txt", "In the beginning God created the heaven and the earth. And the earth was without form, and void.");
        var text = TokenizedText.Load(ModelTokenizer.Load(folder), path);

        var result = CheckpointEvaluation.Run(folder, text, new EvaluationOptions { Perplexity = new PerplexityOptions { WindowSize = 16 } }, "cpu");

        Assert.Equal(text.Tokens.Count, result.Tokens);
        Assert.Equal(1L, text.Tokens[0]);
        Assert.Equal("tokenizer.json (BPE with byte fallback)", result.Tokenizer);
        var expected = result.MeanNll / Math.Log(2) * text.TextTokens / text.TextBytes;
        Assert.Equal(expected, result.BitsPerByte!.Value, 12);
        // A random 700-token model is near uniform: about log2(700) bits per token, fewer per byte (tokens span bytes).
        Assert.InRange(result.MeanNll / Math.Log(2), 8.5, 10.5);
        Assert.True(result.BitsPerByte < result.MeanNll / Math.Log(2));
        Assert.Contains("\"bits_per_byte\"", result.ToJson());
        Assert.Equal(result.BitsPerByte, EvaluationResult.FromJson(result.ToJson()).BitsPerByte);
    }

    [Fact]
    public void ASyntheticByteModelsTokenizerJsonReadsTextAsItsUtf8Bytes()
    {
        var folder = SyntheticModels.Write(_temp.Combine("model"), SyntheticModels.Options(vocab: 256));
        var tokenizer = ModelTokenizer.Load(folder);

        Assert.Equal(TokenizerKind.ByteLevelBpe, tokenizer.Kind);
        Assert.Equal([0x48L, 0x69, 0x20, 0xC3, 0xA9, 0x0A], tokenizer.Encode("Hi é\n"));
        Assert.Equal("Hi é\n", tokenizer.Decode([0x48, 0x69, 0x20, 0xC3, 0xA9, 0x0A]));
    }

    [Fact]
    public void ATokenizerTooBigForTheModelsEmbeddingIsRefusedBeforeLoadingWeights()
    {
        var small = SyntheticModels.Write(_temp.Combine("small"), SyntheticModels.Options(vocab: 64));
        var tokenizerFolder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama3);
        var path = _temp.Write("heldout.txt", "In the beginning");
        var text = TokenizedText.Load(ModelTokenizer.Load(tokenizerFolder), path);

        var error = Assert.Throws<Core.Diagnostics.QcqaException>(() => CheckpointEvaluation.Run(small, text, new EvaluationOptions(), "cpu"));

        Assert.Equal(Core.Diagnostics.ErrorCodes.BadTokenizer, error.Code);
        Assert.Contains("64 rows", error.Message);
    }
}

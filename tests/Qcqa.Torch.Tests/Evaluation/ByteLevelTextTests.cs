using System.Text;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>Held-out text becomes one token per UTF-8 byte, and only byte-level models can read it.</summary>
public sealed class ByteLevelTextTests
{
    [Fact]
    public void EveryUtf8ByteIsOneToken()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("text.txt");
        File.WriteAllText(path, "é!", new UTF8Encoding(false));

        var text = ByteLevelText.Load(path);

        Assert.Equal([0xC3, 0xA9, 0x21], text.Tokens);
    }

    [Fact]
    public void TheTokenCapReadsOnlyTheBeginning()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("text.txt");
        File.WriteAllText(path, "abcdefghij");

        Assert.Equal([97, 98, 99, 100], ByteLevelText.Load(path, maxTokens: 4).Tokens);
    }

    [Fact]
    public void AMissingFileIsAnEvaluationInputError()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("missing.txt");

        var error = Assert.Throws<QcqaException>(() => ByteLevelText.Load(path));

        Assert.Equal(ErrorCodes.BadEvaluationInput, error.Code);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void ATextOfOneByteCannotBeScored()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("short.txt");
        File.WriteAllText(path, "x");

        Assert.Equal(ErrorCodes.BadEvaluationInput, Assert.Throws<QcqaException>(() => ByteLevelText.Load(path)).Code);
    }

    [Fact]
    public void AModelWhoseVocabularyIsNot256IsRejectedWithTheReason()
    {
        var config = new LlamaConfig { VocabSize = 32000, HiddenSize = 8, IntermediateSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2 };

        var error = Assert.Throws<QcqaException>(() => ByteLevelText.CheckVocabulary(config, "config.json"));

        Assert.Equal(ErrorCodes.BadEvaluationInput, error.Code);
        Assert.Contains("32000", error.Message);
        Assert.Contains("tokenizers are not supported", error.Message);
    }
}

using Qcqa.Tests.Shared;

namespace Qcqa.Torch.Tests.Text;

/// <summary>Model folders holding a tokenizer fixture (Text/Fixtures) and a config.json with a chosen vocab_size.</summary>
internal static class TokenizerFolders
{
    /// <summary>Llama-3-style byte-level BPE tokenizer.json (Split + ByteLevel, ignore_merges, BOS template), 603 ids.</summary>
    public const string Llama3 = "llama3-bpe";

    /// <summary>Llama-2-style tokenizer.json (Prepend/Replace ▁, byte fallback), converted from the SentencePiece BPE fixture, 700 ids.</summary>
    public const string Llama2 = "llama2-bpe";

    /// <summary>SentencePiece BPE tokenizer.model with byte fallback, 700 pieces.</summary>
    public const string SentencePieceBpe = "sentencepiece-bpe";

    /// <summary>SentencePiece unigram tokenizer.model with byte fallback, 700 pieces.</summary>
    public const string SentencePieceUnigram = "sentencepiece-unigram";

    /// <summary>The committed fixture folder.</summary>
    public static string Fixture(string name) => RepositoryLayout.Combine("tests", "Qcqa.Torch.Tests", "Text", "Fixtures", name);

    /// <summary>A model folder under <paramref name="temp"/> with the fixture's files and a config.json of <paramref name="vocabSize"/>.</summary>
    public static string Create(TempFolder temp, string fixture, int vocabSize = 1024, string? folderName = null)
    {
        var folder = temp.Combine(folderName ?? fixture);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(Fixture(fixture)))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        WriteConfig(folder, vocabSize);
        return folder;
    }

    /// <summary>Writes a minimal Llama config.json with <paramref name="vocabSize"/>.</summary>
    public static void WriteConfig(string folder, int vocabSize)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"),
            $$"""{"model_type": "llama", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 1, "intermediate_size": 8, "vocab_size": {{vocabSize}}}""");
    }
}

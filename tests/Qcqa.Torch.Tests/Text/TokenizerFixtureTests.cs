using Qcqa.Tests.Shared;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.Tests.Text;

/// <summary>
/// Exact ids of known strings for tokenizer files in the real formats (Text/Fixtures, see its README). The expected
/// ids come from the reference implementations: Hugging Face tokenizers for the tokenizer.json files, SentencePiece
/// for the tokenizer.model files; the Llama-2-style tokenizer.json is converted from the SentencePiece BPE model and
/// both give the same ids.
/// </summary>
public sealed class TokenizerFixtureTests : IDisposable
{
    private readonly TempFolder _temp = new();

    /// <summary>A string and its ids under each fixture, as the reference implementations give them.</summary>
    public sealed record Case(string Text, long[] Llama3, long[] Llama2, long[] SentencePieceBpe, long[] SentencePieceUnigram);

    private static readonly Case[] Cases =
    [
        // 0: "In the beginning God created the heaven and the earth."
        new("In the beginning God created the heaven and the earth.",
            Llama3: [601, 40, 77, 258, 302, 70, 266, 77, 298, 557, 279, 269, 286, 278, 258, 319, 331, 277, 264, 258, 334, 294, 256, 13],
            Llama2: [1, 306, 673, 261, 305, 688, 269, 673, 301, 668, 74, 412, 282, 272, 289, 281, 261, 324, 334, 280, 267, 261, 337, 297, 259, 692],
            SentencePieceBpe: [306, 673, 261, 305, 688, 269, 673, 301, 668, 74, 412, 282, 272, 289, 281, 261, 324, 334, 280, 267, 261, 337, 297, 259, 692],
            SentencePieceUnigram: [295, 300, 260, 278, 427, 356, 300, 286, 259, 74, 390, 370, 341, 591, 301, 260, 283, 352, 300, 262, 260, 259, 268, 338, 313, 264]),
        // 1: "  And the LORD said,\n\tunto Moses: 1 Kings 12:34."
        new("  And the LORD said,\n\tunto Moses: 1 Kings 12:34.",
            Llama3: [601, 220, 475, 258, 348, 382, 442, 197, 84, 77, 270, 472, 25, 220, 16, 220, 42, 298, 82, 220, 16, 17, 25, 18, 19, 13],
            Llama2: [1, 668, 668, 283, 261, 329, 82, 85, 696, 380, 683, 13, 12, 682, 673, 273, 668, 80, 464, 694, 668, 52, 668, 78, 598, 668, 52, 53, 694, 54, 55, 692],
            SentencePieceBpe: [668, 668, 283, 261, 329, 82, 85, 696, 380, 683, 13, 12, 682, 673, 273, 668, 80, 464, 694, 668, 52, 668, 78, 598, 668, 52, 53, 694, 54, 55, 692],
            SentencePieceUnigram: [259, 259, 267, 260, 292, 82, 85, 290, 309, 261, 13, 12, 328, 532, 266, 259, 80, 359, 275, 259, 52, 259, 78, 286, 265, 259, 52, 53, 275, 54, 55, 264]),
        // 2: "naïve café déjà vu"
        new("naïve café déjà vu",
            Llama3: [601, 77, 64, 127, 107, 85, 68, 279, 64, 69, 127, 102, 287, 127, 102, 73, 127, 254, 474, 84],
            Llama2: [1, 313, 672, 198, 178, 690, 669, 282, 672, 680, 198, 172, 291, 198, 172, 109, 198, 163, 460, 682],
            SentencePieceBpe: [313, 672, 198, 178, 690, 669, 282, 672, 680, 198, 172, 291, 198, 172, 109, 198, 163, 460, 682],
            SentencePieceUnigram: [259, 300, 312, 198, 178, 442, 564, 316, 198, 172, 259, 301, 198, 172, 109, 198, 163, 259, 535, 328]),
        // 3: "Zebra 你好 🙂!"
        new("Zebra 你好 🙂!",
            Llama3: [601, 57, 68, 65, 338, 220, 160, 121, 254, 161, 98, 121, 220, 172, 253, 247, 224, 0],
            Llama2: [1, 668, 93, 669, 687, 339, 668, 231, 192, 163, 232, 168, 192, 668, 243, 162, 156, 133, 36],
            SentencePieceBpe: [668, 93, 669, 687, 339, 668, 231, 192, 163, 232, 168, 192, 668, 243, 162, 156, 133, 36],
            SentencePieceUnigram: [259, 93, 268, 323, 317, 312, 259, 231, 192, 163, 232, 168, 192, 259, 243, 162, 156, 133, 36]),
        // 4: ""
        new("",
            Llama3: [601],
            Llama2: [1],
            SentencePieceBpe: [],
            SentencePieceUnigram: []),
        // 5: " "
        new(" ",
            Llama3: [601, 220],
            Llama2: [1, 668, 668],
            SentencePieceBpe: [668, 668],
            SentencePieceUnigram: [259, 259]),
        // 6: "unto\n\nthe  end   "
        new("unto\n\nthe  end   ",
            Llama3: [601, 84, 77, 270, 198, 198, 256, 68, 220, 334, 260, 220, 220, 220],
            Llama2: [1, 307, 13, 13, 259, 669, 668, 337, 263, 668, 668, 668],
            SentencePieceBpe: [307, 13, 13, 259, 669, 668, 337, 263, 668, 668, 668],
            SentencePieceUnigram: [276, 266, 13, 13, 313, 268, 259, 622, 259, 259, 259]),
        // 7: "Praise him. Selah<|end_of_text|>And it's 2024's"
        new("Praise him. Selah<|end_of_text|>And it's 2024's",
            Llama3: [601, 47, 338, 281, 68, 373, 13, 600, 602, 280, 352, 410, 220, 17, 15, 17, 19, 410],
            Llama2: [1, 668, 83, 339, 284, 669, 370, 692, 321, 302, 351, 63, 127, 669, 263, 98, 459, 98, 670, 669, 123, 670, 127, 65, 691, 263, 348, 42, 676, 668, 53, 51, 53, 55, 42, 676],
            SentencePieceBpe: [668, 83, 339, 284, 669, 370, 692, 321, 302, 351, 63, 127, 669, 263, 98, 459, 98, 670, 669, 123, 670, 127, 65, 691, 263, 348, 42, 676, 668, 53, 51, 53, 55, 42, 676],
            SentencePieceUnigram: [259, 83, 317, 312, 293, 268, 307, 264, 259, 696, 407, 358, 63, 127, 304, 301, 98, 266, 316, 98, 270, 268, 123, 270, 127, 65, 699, 300, 301, 299, 42, 265, 259, 53, 51, 53, 55, 42, 265]),
    ];

    public static TheoryData<int> CaseIndexes() => new(Enumerable.Range(0, Cases.Length));

    public void Dispose() => _temp.Dispose();

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void AByteLevelBpeTokenizerJsonGivesHuggingFacesIdsWithItsBeginningOfText(int index)
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.Llama3));

        Assert.Equal(TokenizerKind.ByteLevelBpe, tokenizer.Kind);
        Assert.Equal(Cases[index].Llama3, tokenizer.Encode(Cases[index].Text));
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void ABytefallbackBpeTokenizerJsonGivesHuggingFacesIds(int index)
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.Llama2));

        Assert.Equal(TokenizerKind.CharacterBpe, tokenizer.Kind);
        Assert.Equal(Cases[index].Llama2, tokenizer.Encode(Cases[index].Text));
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void ASentencePieceBpeModelGivesSentencePiecesIdsAfterItsBos(int index)
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.SentencePieceBpe));

        Assert.Equal(TokenizerKind.SentencePiece, tokenizer.Kind);
        Assert.Equal([1L, .. Cases[index].SentencePieceBpe], tokenizer.Encode(Cases[index].Text));
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void ASentencePieceUnigramModelGivesSentencePiecesIds(int index)
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.SentencePieceUnigram));

        Assert.Equal(Cases[index].SentencePieceUnigram, tokenizer.Encode(Cases[index].Text, addPrefix: false));
    }

    [Theory]
    [InlineData(TokenizerFolders.Llama3)]
    [InlineData(TokenizerFolders.Llama2)]
    [InlineData(TokenizerFolders.SentencePieceBpe)]
    [InlineData(TokenizerFolders.SentencePieceUnigram)]
    public void DecodingGivesTheTextBackWithoutSpecialTokens(string fixture)
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, fixture));

        foreach (var c in Cases)
        {
            // Only byte-level BPE reads <|end_of_text|> in text as its special token, which decoding leaves out.
            var expected = fixture == TokenizerFolders.Llama3 ? c.Text.Replace("<|end_of_text|>", "") : c.Text;
            Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(c.Text)));
        }
    }

    [Fact]
    public void TheTokenizerConfigNamesTheEndOfSequenceAndCanTurnTheBosOff()
    {
        var folder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama2);
        var withBos = ModelTokenizer.Load(folder);
        Assert.Equal([1L], withBos.PrefixIds);
        Assert.Equal(2L, withBos.EndOfSequence);

        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"add_bos_token": false, "eos_token": "</s>"}""");
        var withoutBos = ModelTokenizer.Load(folder);

        Assert.Empty(withoutBos.PrefixIds);
        Assert.Equal(Cases[0].Llama2[1..], withoutBos.Encode(Cases[0].Text));
    }

    [Fact]
    public void TheLlama3ConfigNamesItsEndOfText()
    {
        var tokenizer = ModelTokenizer.Load(TokenizerFolders.Create(_temp, TokenizerFolders.Llama3));

        Assert.Equal([601L], tokenizer.PrefixIds);
        Assert.Equal(602L, tokenizer.EndOfSequence);
        Assert.Equal(602, tokenizer.LargestId);
    }

    [Fact]
    public void TokenizerJsonIsPreferredToTokenizerModel()
    {
        var folder = TokenizerFolders.Create(_temp, TokenizerFolders.Llama3);
        File.Copy(Path.Combine(TokenizerFolders.Fixture(TokenizerFolders.SentencePieceBpe), "tokenizer.model"), Path.Combine(folder, "tokenizer.model"));

        var tokenizer = ModelTokenizer.Load(folder);

        Assert.Equal(TokenizerKind.ByteLevelBpe, tokenizer.Kind);
        Assert.Equal(Path.Combine(folder, "tokenizer.json"), tokenizer.FilePath);
    }

    [Fact]
    public void AFolderWithoutTokenizerFilesAndVocabulary256ReadsBytes()
    {
        var folder = _temp.Combine("bytes");
        TokenizerFolders.WriteConfig(folder, 256);

        var tokenizer = ModelTokenizer.Load(folder);

        Assert.Equal(TokenizerKind.Bytes, tokenizer.Kind);
        Assert.Equal([0xC3L, 0xA9, 0x21], tokenizer.Encode("é!"));
        Assert.Equal("é!", tokenizer.Decode([0xC3, 0xA9, 0x21]));
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.Text;

/// <summary>
/// A model's own tokenizer, found in its folder: the one way text becomes token ids for evaluation, generation,
/// calibration and fine-tuning. In order of preference it reads <c>tokenizer.json</c> (BPE: byte-level as in GPT-2
/// and Llama-3, or over characters with byte fallback as in Llama-2 and Mistral), then <c>tokenizer.model</c>
/// (SentencePiece); a folder with neither is read as bytes when its <c>vocab_size</c> is 256. The beginning-of-sequence
/// token is added as <c>tokenizer_config.json</c> says (<c>add_bos_token</c>), else as the <c>tokenizer.json</c>
/// post-processor's template does, else (SentencePiece) when the model defines one. Encoding is done by
/// Microsoft.ML.Tokenizers.
/// </summary>
public sealed class ModelTokenizer
{
    private readonly ITokenCodec _codec;
    private readonly int[] _prefix;

    private ModelTokenizer(ITokenCodec codec, TokenizerKind kind, string? filePath, int[] prefix, int? endOfSequence, int embeddingRows)
    {
        _codec = codec;
        LargestId = Math.Max(codec.MaxId, prefix.DefaultIfEmpty(-1).Max());
        Kind = kind;
        FilePath = filePath;
        _prefix = prefix;
        EndOfSequence = endOfSequence;
        EmbeddingRows = embeddingRows;
    }

    /// <summary>Which tokenizer the folder holds.</summary>
    public TokenizerKind Kind { get; }

    /// <summary>The tokenizer file read (<c>tokenizer.json</c> or <c>tokenizer.model</c>), or null for bytes.</summary>
    public string? FilePath { get; }

    /// <summary>The model's <c>vocab_size</c>: every id this tokenizer produces is below it.</summary>
    public int EmbeddingRows { get; }

    /// <summary>The largest id the tokenizer can produce; a model that runs it needs more embedding rows than this.</summary>
    public int LargestId { get; }

    /// <summary>The ids <see cref="Encode"/> puts before a text (the beginning-of-sequence token, or none).</summary>
    public IReadOnlyList<long> PrefixIds => Array.ConvertAll(_prefix, id => (long)id);

    /// <summary>The end-of-sequence id that stops generation, or null when the tokenizer names none.</summary>
    public long? EndOfSequence { get; }

    /// <summary>A short description for logs and reports, e.g. <c>tokenizer.json (byte-level BPE)</c>.</summary>
    public string Description => Kind switch
    {
        TokenizerKind.Bytes => "UTF-8 bytes",
        TokenizerKind.ByteLevelBpe => $"{TokenizerFileNames.TokenizerJson} (byte-level BPE)",
        TokenizerKind.CharacterBpe => $"{TokenizerFileNames.TokenizerJson} (BPE with byte fallback)",
        _ => $"{TokenizerFileNames.SentencePieceModel} (SentencePiece)",
    };

    /// <summary>Finds and reads the tokenizer of a model folder and checks it against the model's embedding.</summary>
    /// <param name="modelFolder">A Hugging Face model folder (its <c>config.json</c> gives <c>vocab_size</c>).</param>
    /// <exception cref="QcqaException">
    /// QCQA051 naming the file when the folder has no tokenizer (and is not a byte model), a tokenizer file is
    /// malformed or unsupported, or the tokenizer's ids do not fit the embedding; QCQA001/QCQA013 for a missing or bad
    /// <c>config.json</c>.
    /// </exception>
    public static ModelTokenizer Load(string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        var folder = Path.GetFullPath(modelFolder);
        var configPath = Path.Combine(folder, ModelConfig.FileName);
        var vocabSize = VocabSize(configPath);
        var jsonPath = Path.Combine(folder, TokenizerFileNames.TokenizerJson);
        var modelPath = Path.Combine(folder, TokenizerFileNames.SentencePieceModel);
        var settingsPath = Path.Combine(folder, TokenizerFileNames.TokenizerConfig);

        ITokenCodec codec;
        TokenizerKind kind;
        string? file;
        IReadOnlyList<int> templatePrefix;
        int? defaultBos = null;
        int? defaultEos = null;
        if (File.Exists(jsonPath))
        {
            var contents = HuggingFaceTokenizerFile.Load(jsonPath);
            (codec, kind, file, templatePrefix) = (contents.Codec, contents.Kind, jsonPath, contents.LeadingSpecialIds);
        }
        else if (File.Exists(modelPath))
        {
            var sentencePiece = LoadSentencePiece(modelPath);
            (codec, kind, file, templatePrefix) = (sentencePiece, TokenizerKind.SentencePiece, modelPath, []);
            (defaultBos, defaultEos) = (sentencePiece.BeginningOfSentence, sentencePiece.EndOfSentence);
        }
        else if (vocabSize == ByteCodec.VocabularySize)
        {
            return new ModelTokenizer(new ByteCodec(), TokenizerKind.Bytes, null, [], null, vocabSize);
        }
        else
        {
            throw new QcqaException(ErrorCodes.BadTokenizer,
                $"The model has no tokenizer: neither {TokenizerFileNames.TokenizerJson} nor {TokenizerFileNames.SentencePieceModel} is in {folder}, and its vocab_size ({vocabSize}) is not the byte vocabulary ({ByteCodec.VocabularySize}).",
                jsonPath);
        }

        var settings = File.Exists(settingsPath) ? TokenizerConfigFile.Load(settingsPath) : null;
        var prefix = Prefix(codec, settings, settingsPath, templatePrefix, defaultBos, kind);
        var eos = settings?.EndOfSequence is { } eosToken ? codec.IdOf(eosToken) : defaultEos;
        var tokenizer = new ModelTokenizer(codec, kind, file, prefix, eos, vocabSize);
        tokenizer.CheckFits(vocabSize, configPath);
        return tokenizer;
    }

    /// <summary>Checks that every id the tokenizer produces is a row of an embedding with <paramref name="vocabSize"/> rows.</summary>
    /// <param name="vocabSize">The model's <c>vocab_size</c>.</param>
    /// <param name="configPath">The model's <c>config.json</c>, named in the message.</param>
    /// <exception cref="QcqaException">QCQA051 naming the tokenizer file when an id would fall outside the embedding.</exception>
    public void CheckFits(int vocabSize, string configPath)
    {
        if (LargestId >= vocabSize)
            throw new QcqaException(ErrorCodes.BadTokenizer,
                $"The tokenizer's ids go up to {LargestId}, but the model's embedding has {vocabSize} rows (vocab_size in {configPath}): this tokenizer does not belong to this model.",
                FilePath ?? configPath);
    }

    /// <summary>
    /// A content key of the folder's tokenizer files (or of their absence): two folders with the same key tokenize
    /// alike, as a compressed variant and its original do (the merger copies the files).
    /// </summary>
    /// <param name="modelFolder">A model folder.</param>
    public static string ContentKey(string modelFolder)
    {
        var builder = new CacheKeyBuilder("tokenizer");
        foreach (var name in TokenizerFileNames.All)
        {
            var path = Path.Combine(modelFolder, name);
            builder.Add(name).Add(File.Exists(path) ? ContentHash.ComputeFile(path) : "-");
        }
        return builder.Build().Hash;
    }

    /// <summary>The ids of <paramref name="text"/>, after <see cref="PrefixIds"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="addPrefix">False to leave out the beginning-of-sequence token.</param>
    public long[] Encode(string text, bool addPrefix = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _codec.Encode(text);
        var result = new long[(addPrefix ? _prefix.Length : 0) + ids.Count];
        var at = 0;
        if (addPrefix) foreach (var id in _prefix) result[at++] = id;
        foreach (var id in ids) result[at++] = id;
        return result;
    }

    /// <summary>
    /// The ids of UTF-8 text as a file holds it: for a byte model its bytes exactly (no decoding); otherwise the
    /// decoded text (a leading byte-order mark dropped) encoded as <see cref="Encode"/> does.
    /// </summary>
    /// <param name="utf8">The bytes.</param>
    /// <param name="source">The file, named when the bytes are not valid UTF-8.</param>
    /// <exception cref="QcqaException">QCQA050 when the bytes are not valid UTF-8 (and the tokenizer needs text).</exception>
    public long[] EncodeUtf8(ReadOnlySpan<byte> utf8, string? source = null)
    {
        if (Kind == TokenizerKind.Bytes)
        {
            var bytes = new long[utf8.Length];
            for (var i = 0; i < bytes.Length; i++) bytes[i] = utf8[i];
            return bytes;
        }
        return Encode(DecodeUtf8(utf8, source));
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens (BOS, EOS, control) are left out.</summary>
    /// <param name="ids">Ids this tokenizer produced or a model generated (each below <see cref="EmbeddingRows"/>).</param>
    public string Decode(IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var narrow = new int[ids.Count];
        for (var i = 0; i < narrow.Length; i++) narrow[i] = checked((int)ids[i]);
        if (Kind == TokenizerKind.Bytes) return _codec.Decode(narrow);
        // A generated id past the tokenizer's vocabulary (padding rows of the embedding) has no text.
        return _codec.Decode(narrow.Where(id => id <= _codec.MaxId).ToArray());
    }

    /// <summary>Strict UTF-8 decoding, dropping a byte-order mark; QCQA050 naming the first bad byte.</summary>
    internal static string DecodeUtf8(ReadOnlySpan<byte> utf8, string? source)
    {
        if (utf8.StartsWith(Encoding.UTF8.Preamble)) utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new QcqaException(ErrorCodes.BadEvaluationInput,
                $"The text is not valid UTF-8 (byte {e.Index} cannot be decoded); the model's tokenizer reads text, not bytes.", source, inner: e);
        }
    }

    private static int VocabSize(string configPath)
    {
        var json = ModelConfig.Load(configPath).ToJsonObject();
        return json["vocab_size"] is JsonValue v && v.TryGetValue<int>(out var size) && size > 0
            ? size
            : throw new QcqaException(ErrorCodes.BadModelConfig, "config.json has no positive integer vocab_size; the tokenizer cannot be checked against the embedding.", configPath);
    }

    private static SentencePieceCodec LoadSentencePiece(string path)
    {
        try
        {
            using var fixedModel = new MemoryStream(SentencePieceByteOffsetFix.Apply(File.ReadAllBytes(path)));
            return new SentencePieceCodec(SentencePieceTokenizer.Create(fixedModel, addBeginningOfSentence: false, addEndOfSentence: false));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw TokenizerErrors.Invalid(path, $"The file is not a SentencePiece model this tokenizer can read: {e.Message}", e);
        }
    }

    private static int[] Prefix(ITokenCodec codec, TokenizerConfigFile? settings, string settingsPath, IReadOnlyList<int> templatePrefix, int? defaultBos, TokenizerKind kind)
    {
        if (settings?.AddBeginningOfSequence is false) return [];
        if (settings?.AddBeginningOfSequence is true)
        {
            if (settings.BeginningOfSequence is { } token)
                return [codec.IdOf(token) ?? throw TokenizerErrors.Invalid(settingsPath, $"add_bos_token is true but the bos_token '{token}' is not in the tokenizer's vocabulary.")];
            if (templatePrefix.Count > 0) return [.. templatePrefix];
            if (defaultBos is { } id) return [id];
            throw TokenizerErrors.Invalid(settingsPath, "add_bos_token is true but no bos_token is named.");
        }
        if (kind == TokenizerKind.SentencePiece) return defaultBos is { } bos ? [bos] : [];
        return [.. templatePrefix];
    }
}

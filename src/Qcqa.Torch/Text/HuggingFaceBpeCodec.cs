using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.Text;

/// <summary>
/// A BPE <c>tokenizer.json</c> (byte-level or over characters with byte fallback). Added tokens, normalization and
/// pre-tokenization follow the file; each piece is encoded by Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>
/// (Hugging Face's merge algorithm), plus the two model options that library lacks: <c>ignore_merges</c> (a piece that
/// is a whole vocabulary entry is that entry) and <c>byte_fallback</c> (an unknown character becomes its UTF-8 bytes
/// as <c>&lt;0xXX&gt;</c> tokens).
/// </summary>
internal sealed class HuggingFaceBpeCodec : ITokenCodec
{
    private readonly string _path;
    private readonly BpeTokenizer _bpe;
    private readonly AddedTokens _added;
    private readonly TextNormalization _normalization;
    private readonly PreTokenization _preTokenization;
    private readonly IReadOnlyDictionary<string, int> _vocabulary;
    private readonly Dictionary<int, string> _pieces;
    private readonly bool _ignoreMerges;
    private readonly bool _byteFallback;
    private readonly bool _fuseUnknown;
    private readonly int? _unknownId;
    private readonly int[] _byteIds;

    /// <summary>Creates the codec from its parsed parts.</summary>
    /// <param name="path">The file, named by encoding errors.</param>
    /// <param name="bpe">The library's BPE model, whose unknown token is <paramref name="unknownId"/> (a sentinel −1 when the file has none but falls back to bytes).</param>
    /// <param name="vocabulary">The model's vocabulary as the file lists it.</param>
    /// <param name="added">The added tokens.</param>
    /// <param name="normalization">The normalizer.</param>
    /// <param name="preTokenization">The pre-tokenizer.</param>
    /// <param name="ignoreMerges">The model's <c>ignore_merges</c>.</param>
    /// <param name="byteFallback">The model's <c>byte_fallback</c>.</param>
    /// <param name="fuseUnknown">The model's <c>fuse_unk</c>.</param>
    /// <param name="unknownId">The id the library gives unknown characters, or null when it drops them.</param>
    internal HuggingFaceBpeCodec(string path, BpeTokenizer bpe, IReadOnlyDictionary<string, int> vocabulary, AddedTokens added,
        TextNormalization normalization, PreTokenization preTokenization, bool ignoreMerges, bool byteFallback, bool fuseUnknown, int? unknownId)
    {
        _path = path;
        _bpe = bpe;
        _vocabulary = vocabulary;
        _added = added;
        _normalization = normalization;
        _preTokenization = preTokenization;
        _ignoreMerges = ignoreMerges;
        _byteFallback = byteFallback;
        _fuseUnknown = fuseUnknown;
        _unknownId = unknownId;
        _pieces = new Dictionary<int, string>(vocabulary.Count);
        foreach (var (piece, id) in vocabulary) _pieces.TryAdd(id, piece);
        _byteIds = new int[256];
        for (var b = 0; b < 256; b++) _byteIds[b] = vocabulary.TryGetValue(ByteToken(b), out var id) ? id : -1;
        MaxId = Math.Max(vocabulary.Values.DefaultIfEmpty(-1).Max(), added.MaxId);
    }

    /// <summary>Whether pieces are encoded as bytes (GPT-2, Llama-3) rather than characters.</summary>
    internal bool ByteLevel => _preTokenization.ByteLevel;

    public int MaxId { get; }

    public List<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (var (section, addedId, offset) in _added.Split(text))
        {
            if (addedId is { } id)
            {
                ids.Add(id);
                continue;
            }
            foreach (var piece in _preTokenization.Split(_normalization.Apply(section), atStart: offset == 0))
                EncodePiece(piece, ids);
        }
        return ids;
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (_added.TryGetToken(id, out var content, out var special))
            {
                if (!special) bytes.AddRange(Encoding.UTF8.GetBytes(content));
                continue;
            }
            if (!_pieces.TryGetValue(id, out var piece) || id == _unknownId) continue;
            if (ByteLevel)
            {
                if (!ByteLevelAlphabet.TryAppendBytes(piece, bytes)) bytes.AddRange(Encoding.UTF8.GetBytes(piece));
            }
            else if (ParseByteToken(piece) is { } b) bytes.Add(b);
            else bytes.AddRange(Encoding.UTF8.GetBytes(piece.Replace('▁', ' ')));
        }
        var text = Encoding.UTF8.GetString(bytes.ToArray());
        // The ▁ the normalizer or Metaspace put before the text is not part of it (Hugging Face's Strip/Metaspace decoders).
        return !ByteLevel && (_normalization.Prepends || _preTokenization.MetaspacePrepends) && text.StartsWith(' ') ? text[1..] : text;
    }

    public int? IdOf(string token)
        => _added.TryGetId(token, out var added) ? added : _vocabulary.TryGetValue(token, out var id) ? id : null;

    private void EncodePiece(string piece, List<int> ids)
    {
        if (_ignoreMerges && _vocabulary.TryGetValue(ByteLevel ? ByteLevelAlphabet.Spell(Encoding.UTF8.GetBytes(piece)) : piece, out var whole))
        {
            ids.Add(whole);
            return;
        }
        if (!_byteFallback)
        {
            ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
            return;
        }
        foreach (var token in _bpe.EncodeToTokens(piece, out _, considerPreTokenization: false, considerNormalization: false))
        {
            if (token.Id != _unknownId) ids.Add(token.Id);
            else AddFallbackBytes(piece, token.Offset, ids);
        }
    }

    // Each unknown character becomes its UTF-8 bytes when every byte token exists, else the unknown token.
    private void AddFallbackBytes(string piece, Range span, List<int> ids)
    {
        var (start, length) = span.GetOffsetAndLength(piece.Length);
        var unknownBefore = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = start; i < start + length;)
        {
            var width = char.IsHighSurrogate(piece[i]) && i + 1 < start + length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            var count = Encoding.UTF8.GetBytes(piece.AsSpan(i, width), utf8);
            var all = true;
            for (var b = 0; b < count; b++) all &= _byteIds[utf8[b]] >= 0;
            if (all)
            {
                for (var b = 0; b < count; b++) ids.Add(_byteIds[utf8[b]]);
                unknownBefore = false;
            }
            else
            {
                if (_unknownId is not >= 0)
                    throw new QcqaException(ErrorCodes.BadTokenizer,
                        $"The character U+{char.ConvertToUtf32(piece, i):X4} cannot be encoded: the tokenizer has neither its <0xXX> byte tokens nor an unknown token.", _path);
                if (!(unknownBefore && _fuseUnknown)) ids.Add(_unknownId.Value);
                unknownBefore = true;
            }
            i += width;
        }
    }

    private static string ByteToken(int b) => $"<0x{b:X2}>";

    private static byte? ParseByteToken(string piece)
        => piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
           && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b) ? b : null;
}

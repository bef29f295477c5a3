using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace Qcqa.Torch.Text;

/// <summary>Reads a Hugging Face fast-tokenizer file (<c>tokenizer.json</c>) with a BPE model into a codec.</summary>
internal static class HuggingFaceTokenizerFile
{
    // Stands in for a missing unk_token when byte_fallback needs to see unknown characters; never a real id.
    private const string UnknownSentinel = "\uE000qcqa-unknown\uE000";

    /// <summary>What the file defines.</summary>
    /// <param name="Codec">The tokenizer.</param>
    /// <param name="Kind">Byte-level or character BPE.</param>
    /// <param name="LeadingSpecialIds">Ids the post-processor puts before a single sequence (Llama's BOS), in order.</param>
    internal sealed record Contents(HuggingFaceBpeCodec Codec, TokenizerKind Kind, IReadOnlyList<int> LeadingSpecialIds);

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="Core.Diagnostics.QcqaException">QCQA051 naming the file when it is unreadable, malformed or unsupported.</exception>
    internal static Contents Load(string path)
    {
        var file = new TokenizerJson(path);
        var root = Parse(path);
        if (root["model"] is not JsonObject model) throw TokenizerErrors.Invalid(path, "The file has no \"model\" object.");
        var modelType = file.String(model, "type") ?? (model["merges"] is not null ? "BPE" : null);
        if (modelType != "BPE")
            throw TokenizerErrors.Unsupported(path, "tokenizer model", modelType ?? "(none)", "BPE; a SentencePiece unigram model is read from tokenizer.model");

        var vocabulary = Vocabulary(model, file);
        var added = new AddedTokens(file.Array(root, "added_tokens").Select(t => AddedToken(t, file)));
        var normalization = TextNormalization.FromJson(root["normalizer"], file);
        var preTokenization = PreTokenization.FromJson(root["pre_tokenizer"], file);
        if (file.Number(model, "dropout", 0) > 0) throw TokenizerErrors.Unsupported(path, "BPE option", "dropout", "none (dropout makes encoding random)");
        var prefix = file.String(model, "continuing_subword_prefix");
        var suffix = file.String(model, "end_of_word_suffix");
        if (!string.IsNullOrEmpty(prefix) || !string.IsNullOrEmpty(suffix))
            throw TokenizerErrors.Unsupported(path, "BPE option", "continuing_subword_prefix/end_of_word_suffix", "none (word-piece style BPE is not a causal LM tokenizer)");

        var byteFallback = file.Bool(model, "byte_fallback", false);
        var unknown = file.String(model, "unk_token");
        if (unknown is not null && !vocabulary.ContainsKey(unknown))
            throw TokenizerErrors.Invalid(path, $"The unk_token '{unknown}' is not in the vocabulary.");
        var libraryVocabulary = vocabulary;
        if (unknown is null && byteFallback)
        {
            libraryVocabulary = new Dictionary<string, int>(vocabulary) { [UnknownSentinel] = -1 };
            unknown = UnknownSentinel;
        }

        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(new BpeOptions(libraryVocabulary)
            {
                Merges = Merges(model, file),
                UnknownToken = unknown,
                FuseUnknownTokens = file.Bool(model, "fuse_unk", false),
                ByteLevel = preTokenization.ByteLevel,
            });
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw TokenizerErrors.Invalid(path, $"The BPE model is inconsistent: {e.Message}", e);
        }
        var unknownId = unknown is null ? (int?)null : libraryVocabulary[unknown];
        var codec = new HuggingFaceBpeCodec(path, bpe, vocabulary, added, normalization, preTokenization,
            file.Bool(model, "ignore_merges", false), byteFallback, file.Bool(model, "fuse_unk", false), unknownId);
        var kind = preTokenization.ByteLevel ? TokenizerKind.ByteLevelBpe : TokenizerKind.CharacterBpe;
        return new Contents(codec, kind, LeadingSpecialIds(root["post_processor"], file));
    }

    private static JsonObject Parse(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonNode.Parse(stream, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
                   ?? throw TokenizerErrors.Invalid(path, "The file does not hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw TokenizerErrors.Invalid(path, $"The file is not valid JSON: {e.Message}", e, (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw TokenizerErrors.Invalid(path, $"The file cannot be read: {e.Message}", e);
        }
    }

    private static Dictionary<string, int> Vocabulary(JsonObject model, TokenizerJson file)
    {
        if (model["vocab"] is not JsonObject vocab) throw TokenizerErrors.Invalid(file.Path, "The model has no \"vocab\" object.");
        var result = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        foreach (var (token, value) in vocab)
        {
            if (value is not JsonValue v || !v.TryGetValue<int>(out var id) || id < 0)
                throw TokenizerErrors.Invalid(file.Path, $"The vocabulary entry '{token}' does not have a non-negative integer id.");
            result[token] = id;
        }
        if (result.Count == 0) throw TokenizerErrors.Invalid(file.Path, "The vocabulary is empty.");
        return result;
    }

    // Merges are "a b" strings (older files) or ["a", "b"] pairs (tokenizers 0.20 on); the library takes "a b".
    private static List<string> Merges(JsonObject model, TokenizerJson file)
    {
        var merges = new List<string>();
        foreach (var entry in file.Array(model, "merges"))
        {
            switch (entry)
            {
                case JsonValue v when v.TryGetValue<string>(out var line) && line.Split(' ').Length == 2:
                    merges.Add(line);
                    break;
                case JsonArray { Count: 2 } pair when pair[0] is JsonValue a && a.TryGetValue<string>(out var left)
                                                      && pair[1] is JsonValue b && b.TryGetValue<string>(out var right):
                    if (left.Contains(' ') || right.Contains(' '))
                        throw TokenizerErrors.Unsupported(file.Path, "merge", $"{left} + {right}", "merges of tokens without spaces");
                    merges.Add($"{left} {right}");
                    break;
                default:
                    throw TokenizerErrors.Invalid(file.Path, $"The merge {entry?.ToJsonString()} is neither \"a b\" nor [\"a\", \"b\"].");
            }
        }
        return merges;
    }

    private static (string Content, int Id, bool Special) AddedToken(JsonNode? node, TokenizerJson file)
    {
        if (node is not JsonObject token) throw TokenizerErrors.Invalid(file.Path, "An added_tokens entry is not an object.");
        var content = file.String(token, "content") ?? throw TokenizerErrors.Invalid(file.Path, "An added_tokens entry has no \"content\".");
        if (token["id"] is not JsonValue v || !v.TryGetValue<int>(out var id) || id < 0)
            throw TokenizerErrors.Invalid(file.Path, $"The added token '{content}' does not have a non-negative integer id.");
        return (content, id, file.Bool(token, "special", false));
    }

    // TemplateProcessing's "single" template: the special tokens before the sequence $A (BOS), found also inside a Sequence.
    private static IReadOnlyList<int> LeadingSpecialIds(JsonNode? processor, TokenizerJson file)
    {
        if (processor is null) return [];
        var type = file.TypeOf(processor, "post_processor");
        if (type == "Sequence")
            return file.Array(processor, "processors").Select(p => LeadingSpecialIds(p, file)).FirstOrDefault(ids => ids.Count > 0) ?? [];
        if (type != "TemplateProcessing") return [];
        var ids = new List<int>();
        foreach (var piece in file.Array(processor, "single"))
        {
            if (piece?["Sequence"] is not null) break;
            var name = piece?["SpecialToken"] is JsonObject special ? file.String(special, "id") : null;
            if (name is null) continue;
            var entry = processor["special_tokens"]?[name];
            if (entry is null) throw TokenizerErrors.Invalid(file.Path, $"The post_processor uses the special token '{name}' but does not define it.");
            foreach (var id in file.Array(entry, "ids"))
                ids.Add(id is JsonValue v && v.TryGetValue<int>(out var value) ? value : throw TokenizerErrors.Invalid(file.Path, $"The special token '{name}' has a non-integer id."));
        }
        return ids;
    }
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Qcqa.Torch.Text;

/// <summary>
/// The <c>pre_tokenizer</c> of <c>tokenizer.json</c>: splits normalized text into the pieces the BPE model encodes
/// one by one (no merge crosses a piece boundary), with Hugging Face's semantics for each supported component.
/// </summary>
internal sealed class PreTokenization
{
    /// <summary>GPT-2's split expression, used by a <c>ByteLevel</c> pre-tokenizer with <c>use_regex</c>.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private const string Supported = "Sequence, Split (Isolated or Removed), ByteLevel, Metaspace, Digits";

    private readonly IReadOnlyList<Func<Piece, IEnumerable<Piece>>> _steps;

    private PreTokenization(IReadOnlyList<Func<Piece, IEnumerable<Piece>>> steps, bool byteLevel, bool metaspacePrepends)
    {
        _steps = steps;
        ByteLevel = byteLevel;
        MetaspacePrepends = metaspacePrepends;
    }

    /// <summary>Whether a <c>ByteLevel</c> component is present: pieces are encoded as UTF-8 bytes.</summary>
    internal bool ByteLevel { get; }

    /// <summary>Whether a <c>Metaspace</c> component prepends <c>▁</c>, which decoding strips again.</summary>
    internal bool MetaspacePrepends { get; }

    /// <summary>A piece of text and whether it begins the whole input (Metaspace's <c>first</c> scheme needs it).</summary>
    internal readonly record struct Piece(string Text, bool AtStart);

    /// <summary>The pre-tokenizer of <paramref name="node"/>; the whole text is one piece when it is null.</summary>
    internal static PreTokenization FromJson(JsonNode? node, TokenizerJson file)
    {
        var steps = new List<Func<Piece, IEnumerable<Piece>>>();
        var byteLevel = false;
        var prepends = false;
        if (node is not null) Add(node, file, steps, ref byteLevel, ref prepends);
        return new PreTokenization(steps, byteLevel, prepends);
    }

    /// <summary>The pieces of <paramref name="text"/>.</summary>
    /// <param name="text">Normalized text between added tokens.</param>
    /// <param name="atStart">Whether the text begins the whole input.</param>
    internal IEnumerable<string> Split(string text, bool atStart)
    {
        IEnumerable<Piece> pieces = [new Piece(text, atStart)];
        foreach (var step in _steps) pieces = pieces.SelectMany(step);
        return pieces.Where(p => p.Text.Length > 0).Select(p => p.Text);
    }

    private static void Add(JsonNode node, TokenizerJson file, List<Func<Piece, IEnumerable<Piece>>> steps, ref bool byteLevel, ref bool prepends)
    {
        var type = file.TypeOf(node, "pre_tokenizer");
        switch (type)
        {
            case "Sequence":
                foreach (var inner in file.Array(node, "pretokenizers"))
                    Add(inner ?? throw TokenizerErrors.Invalid(file.Path, "A pre_tokenizer in a Sequence is null."), file, steps, ref byteLevel, ref prepends);
                break;
            case "Split":
                var (pattern, isRegex) = file.Pattern(node);
                var behavior = file.String(node, "behavior", "Isolated");
                if (behavior is not ("Isolated" or "Removed") || file.Bool(node, "invert", false))
                    throw TokenizerErrors.Unsupported(file.Path, "Split behavior", $"{behavior}{(file.Bool(node, "invert", false) ? ", inverted" : "")}", "Isolated, Removed; not inverted");
                var regex = Compile(isRegex ? pattern : Regex.Escape(pattern), file);
                var keepMatches = behavior == "Isolated";
                steps.Add(p => SplitByRegex(p, regex, keepMatches));
                break;
            case "ByteLevel":
                byteLevel = true;
                if (file.Bool(node, "add_prefix_space", false))
                    steps.Add(p => p.Text.StartsWith(' ') ? [p] : [p with { Text = " " + p.Text }]);
                if (file.Bool(node, "use_regex", true))
                {
                    var gpt2 = Compile(Gpt2Pattern, file);
                    steps.Add(p => SplitByRegex(p, gpt2, keepMatches: true));
                }
                break;
            case "Metaspace":
                var replacement = file.String(node, "replacement", "▁")!;
                var scheme = file.String(node, "prepend_scheme") ?? (file.Bool(node, "add_prefix_space", true) ? "always" : "never");
                if (scheme is not ("always" or "first" or "never"))
                    throw TokenizerErrors.Unsupported(file.Path, "Metaspace prepend_scheme", scheme, "always, first, never");
                prepends |= scheme != "never";
                var split = file.Bool(node, "split", true);
                steps.Add(p => Metaspace(p, replacement, scheme, split));
                break;
            case "Digits":
                var digits = Compile(file.Bool(node, "individual_digits", false) ? @"\p{N}" : @"\p{N}+", file);
                steps.Add(p => SplitByRegex(p, digits, keepMatches: true));
                break;
            default:
                throw TokenizerErrors.Unsupported(file.Path, "pre_tokenizer", type, Supported);
        }
    }

    private static Regex Compile(string pattern, TokenizerJson file)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        catch (ArgumentException e)
        {
            throw TokenizerErrors.Invalid(file.Path, $"The split pattern is not a regular expression .NET can run: {e.Message}", e);
        }
    }

    // Hugging Face's Isolated behaviour: matches and the text between them become pieces; Removed drops the matches.
    private static List<Piece> SplitByRegex(Piece piece, Regex regex, bool keepMatches)
    {
        var text = piece.Text;
        var pieces = new List<Piece>();
        var position = 0;
        var first = piece.AtStart;
        foreach (var match in regex.EnumerateMatches(text))
        {
            if (match.Length == 0) continue;
            if (match.Index > position)
            {
                pieces.Add(new Piece(text[position..match.Index], first));
                first = false;
            }
            if (keepMatches) pieces.Add(new Piece(text.Substring(match.Index, match.Length), first));
            first = false;
            position = match.Index + match.Length;
        }
        if (position < text.Length) pieces.Add(new Piece(text[position..], first));
        return pieces;
    }

    // Spaces become the replacement; with split, every piece starts at a replacement (MergedWithNext).
    private static IEnumerable<Piece> Metaspace(Piece piece, string replacement, string scheme, bool split)
    {
        var text = piece.Text.Replace(" ", replacement, StringComparison.Ordinal);
        if ((scheme == "always" || (scheme == "first" && piece.AtStart)) && !text.StartsWith(replacement, StringComparison.Ordinal))
            text = replacement + text;
        if (!split || text.Length == 0)
        {
            yield return piece with { Text = text };
            yield break;
        }
        var start = 0;
        var first = piece.AtStart;
        for (var i = text.IndexOf(replacement, 1, StringComparison.Ordinal); i > 0; i = text.IndexOf(replacement, i + 1, StringComparison.Ordinal))
        {
            yield return new Piece(text[start..i], first);
            first = false;
            start = i;
        }
        yield return new Piece(text[start..], first);
    }
}

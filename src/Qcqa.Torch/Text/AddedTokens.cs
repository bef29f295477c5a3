using System.Text.RegularExpressions;

namespace Qcqa.Torch.Text;

/// <summary>
/// The <c>added_tokens</c> of <c>tokenizer.json</c> (<c>&lt;s&gt;</c>, <c>&lt;|begin_of_text|&gt;</c>, …). As in Hugging
/// Face tokenizers they are cut out of the input before normalization, leftmost and longest first, and become their
/// own ids; the text between them is normalized and encoded. Their <c>lstrip</c>, <c>rstrip</c> and
/// <c>single_word</c> options are not applied.
/// </summary>
internal sealed class AddedTokens
{
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<int, (string Content, bool Special)> _byId;
    private readonly Regex? _matcher;

    /// <summary>Creates the set from (content, id, special) entries.</summary>
    internal AddedTokens(IEnumerable<(string Content, int Id, bool Special)> tokens)
    {
        var list = tokens.Where(t => t.Content.Length > 0).ToList();
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        _byId = new Dictionary<int, (string, bool)>();
        foreach (var (content, id, special) in list)
        {
            _ids[content] = id;
            _byId[id] = (content, special);
        }
        // Longest first: .NET takes the first alternative that matches at the leftmost position.
        if (_ids.Count > 0)
            _matcher = new Regex(string.Join('|', _ids.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal).Select(Regex.Escape)),
                RegexOptions.CultureInvariant);
    }

    /// <summary>The largest added id, or -1.</summary>
    internal int MaxId => _byId.Count == 0 ? -1 : _byId.Keys.Max();

    /// <summary>The id of an added token's content.</summary>
    internal bool TryGetId(string content, out int id) => _ids.TryGetValue(content, out id);

    /// <summary>The content of an added id and whether it is special (left out when decoding).</summary>
    internal bool TryGetToken(int id, out string content, out bool special)
    {
        var found = _byId.TryGetValue(id, out var entry);
        (content, special) = found ? entry : ("", false);
        return found;
    }

    /// <summary>The input cut into stretches of text (Id null) and added tokens (Id set), in order.</summary>
    internal List<(string Text, int? Id, int Offset)> Split(string text)
    {
        if (_matcher is null) return [(text, null, 0)];
        var sections = new List<(string Text, int? Id, int Offset)>();
        var position = 0;
        foreach (var match in _matcher.EnumerateMatches(text))
        {
            if (match.Index > position) sections.Add((text[position..match.Index], null, position));
            var content = text.Substring(match.Index, match.Length);
            sections.Add((content, _ids[content], match.Index));
            position = match.Index + match.Length;
        }
        if (position < text.Length) sections.Add((text[position..], null, position));
        return sections;
    }
}

using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Qcqa.Torch.Text;

/// <summary>
/// The <c>normalizer</c> of <c>tokenizer.json</c> as a list of string rewrites, applied in order to each stretch of
/// text between added tokens (as Hugging Face tokenizers do).
/// </summary>
internal sealed class TextNormalization
{
    private const string Supported = "Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip";

    private readonly IReadOnlyList<Func<string, string>> _steps;

    private TextNormalization(IReadOnlyList<Func<string, string>> steps, bool prepends)
    {
        _steps = steps;
        Prepends = prepends;
    }

    /// <summary>Whether a step prepends text (Llama-2's <c>▁</c>), which decoding strips again.</summary>
    internal bool Prepends { get; }

    /// <summary>The normalizer of <paramref name="node"/>; no steps when it is null.</summary>
    internal static TextNormalization FromJson(JsonNode? node, TokenizerJson file)
    {
        var steps = new List<Func<string, string>>();
        var prepends = false;
        if (node is not null) Add(node, file, steps, ref prepends);
        return new TextNormalization(steps, prepends);
    }

    /// <summary>Applies every step to <paramref name="text"/>.</summary>
    internal string Apply(string text)
    {
        foreach (var step in _steps) text = step(text);
        return text;
    }

    private static void Add(JsonNode node, TokenizerJson file, List<Func<string, string>> steps, ref bool prepends)
    {
        var type = file.TypeOf(node, "normalizer");
        switch (type)
        {
            case "Sequence":
                foreach (var inner in file.Array(node, "normalizers"))
                    Add(inner ?? throw TokenizerErrors.Invalid(file.Path, "A normalizer in a Sequence is null."), file, steps, ref prepends);
                break;
            case "Prepend":
                var prefix = file.String(node, "prepend") ?? throw TokenizerErrors.Invalid(file.Path, "A Prepend normalizer has no \"prepend\".");
                steps.Add(s => s.Length == 0 ? s : prefix + s);
                prepends = true;
                break;
            case "Replace":
                var (pattern, isRegex) = file.Pattern(node);
                var content = file.String(node, "content") ?? "";
                if (isRegex)
                {
                    var regex = new Regex(pattern, RegexOptions.CultureInvariant);
                    steps.Add(s => regex.Replace(s, content));
                }
                else if (pattern.Length > 0)
                {
                    steps.Add(s => s.Replace(pattern, content, StringComparison.Ordinal));
                }
                break;
            case "NFC": steps.Add(s => s.Normalize(NormalizationForm.FormC)); break;
            case "NFD": steps.Add(s => s.Normalize(NormalizationForm.FormD)); break;
            case "NFKC": steps.Add(s => s.Normalize(NormalizationForm.FormKC)); break;
            case "NFKD": steps.Add(s => s.Normalize(NormalizationForm.FormKD)); break;
            case "Lowercase": steps.Add(s => s.ToLowerInvariant()); break;
            case "Strip":
                var left = file.Bool(node, "strip_left", true);
                var right = file.Bool(node, "strip_right", true);
                steps.Add(s => left && right ? s.Trim() : left ? s.TrimStart() : right ? s.TrimEnd() : s);
                break;
            default:
                throw TokenizerErrors.Unsupported(file.Path, "normalizer", type, Supported);
        }
    }
}

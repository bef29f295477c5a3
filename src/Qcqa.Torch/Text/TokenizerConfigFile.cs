using System.Text.Json;
using System.Text.Json.Nodes;

namespace Qcqa.Torch.Text;

/// <summary>
/// The settings of Transformers' <c>tokenizer_config.json</c> that decide the tokens around a text:
/// <c>add_bos_token</c> and the spelling of <c>bos_token</c> and <c>eos_token</c> (a string, or an object whose
/// <c>content</c> is the string).
/// </summary>
/// <param name="AddBeginningOfSequence"><c>add_bos_token</c>, or null when the file does not say.</param>
/// <param name="BeginningOfSequence"><c>bos_token</c>, or null.</param>
/// <param name="EndOfSequence"><c>eos_token</c>, or null.</param>
internal sealed record TokenizerConfigFile(bool? AddBeginningOfSequence, string? BeginningOfSequence, string? EndOfSequence)
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="Core.Diagnostics.QcqaException">QCQA051 naming the file when it is not valid JSON or a setting has the wrong type.</exception>
    internal static TokenizerConfigFile Load(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw TokenizerErrors.Invalid(path, $"The file is not valid JSON: {e.Message}", e, (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw TokenizerErrors.Invalid(path, $"The file cannot be read: {e.Message}", e);
        }
        if (root is not JsonObject json) throw TokenizerErrors.Invalid(path, "The file does not hold a JSON object.");
        var file = new TokenizerJson(path);
        bool? addBos = json["add_bos_token"] is null ? null : file.Bool(json, "add_bos_token", false);
        return new TokenizerConfigFile(addBos, Token(json, "bos_token", file), Token(json, "eos_token", file));
    }

    private static string? Token(JsonObject json, string key, TokenizerJson file)
        => json[key] is JsonObject token ? file.String(token, "content") : file.String(json, key);
}

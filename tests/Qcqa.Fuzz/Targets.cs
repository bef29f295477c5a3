using System.Text;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Input;
using Qcqa.Core.Spec;

namespace Qcqa.Fuzz;

/// <summary>The fuzz targets: every reader of a file a user (or a downloaded model) hands the engine.</summary>
internal static class Targets
{
    private const string Folder = "/fuzz/model";

    // Declared before All: static fields initialise in text order.
    private static readonly string[] JsonSyntax = ["{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "\"\\ud800\"", "\"\\u0000\"", "//c\n", "/*", "\u00e9", "[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":"];
    private static readonly string[] YamlSyntax = ["- ", ": ", "\n  ", "\n", "{", "}", "[", "]", ",", "&a ", "*a", "&b [*a, *a, *a, *a]", "<<: *a", "!!str ", "!!binary ", "? ", "---\n", "...\n", "'", "\"", "|\n  ", ">\n  ", "#c\n", "%YAML 1.2\n", "\t", "~", "[[[[[[[[[[[[[[[[[[[["];

    internal static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("safetensors-header", SafetensorsHeaderTarget, Tokens(JsonSyntax, ["\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"BF16\"", "\"F16\"", "\"F64\"", "\"I8\"", "\"BOOL\"", "\"F8_E4M3\""]),
            r => Encoding.UTF8.GetBytes(Grammar.SafetensorsHeader(r))),
        new("config", ConfigTarget, Tokens(JsonSyntax, ["\"num_attention_heads\"", "\"num_key_value_heads\"", "\"hidden_size\"", "\"head_dim\"", "\"num_hidden_layers\"", "\"model_type\"", "\"qcqa\"", "\"version\"", "\"form\"", "\"gqa\"", "\"per_layer_map\"", "\"layers\"", "\"query_to_kv\"", "\"mode\""]),
            r => Encoding.UTF8.GetBytes(Grammar.Config(r))),
        new("index", IndexTarget, Tokens(JsonSyntax, ["\"weight_map\"", "\"metadata\"", "\"total_size\"", "\"model-00001-of-00002.safetensors\"", "\"../x\"", "\"/etc/passwd\"", "\"a/b\"", "\".\"", "\"\""]),
            r => Encoding.UTF8.GetBytes(Grammar.Index(r))),
        new("grouping", GroupingTarget, Tokens(JsonSyntax, ["\"mode\"", "\"layers\"", "\"index\"", "\"groups\"", "\"wse\"", "\"wse_relative\"", "\"kv_heads_total\"", "\"wse_total\"", "\"arbitrary\"", "\"banana\"", "\"zero\""]),
            r => Encoding.UTF8.GetBytes(Grammar.Grouping(r))),
        new("spec", SpecTarget, Tokens(YamlSyntax, ["models:", "variants:", "name:", "path:", "mode:", "budget:", "global:", "layers:", "keep_mha:", "search:", "population:", "generations:", "seed:", "device:", "defaults:", "evaluation:", "text:", "max_tokens:", "version:", "output:", "arbitrary", "equal", "gqa", "mqa", "\"1-3\"", "0.5"]),
            r => Encoding.UTF8.GetBytes(Grammar.Spec(r))),
    ];

    private static IReadOnlyList<byte[]> Tokens(string[] syntax, string[] words)
        => syntax.Concat(words).Concat(Mutator.Numbers).Select(Encoding.UTF8.GetBytes)
            .Append([0xC3, 0x28]).Append([0xED, 0xA0, 0x80]).Append([0xEF, 0xBB, 0xBF]).Append([0xFF, 0xFE]).ToArray();

    private static string SafetensorsHeaderTarget(byte[] input)
    {
        // The data section length is part of the input (its first byte picks one), so offsets past it are reached too.
        long dataLength = input.Length == 0 ? 0 : input[0] % 4 switch { 0 => 0, 1 => 16, 2 => 256, _ => 4096 };
        return Outcome(() =>
        {
            var header = SafetensorsHeader.Parse(input.AsMemory(Math.Min(1, input.Length)), dataLength, Folder + "/model.safetensors");
            return $"ok {header.Tensors.Count}";
        });
    }

    private static string ConfigTarget(byte[] input) => Outcome(() =>
    {
        var config = ModelConfig.Parse(input, Folder + "/config.json");
        // What readers ask right after parsing; nothing here may allocate by the config's numbers.
        for (var layer = 0; layer < Math.Min(config.NumHiddenLayers, 8); layer++) _ = config.KeyValueHeads(layer);
        _ = config.ToJsonObject();
        return $"ok {config.IsStandardLayout}";
    });

    private static string IndexTarget(byte[] input) => Outcome(() =>
    {
        var index = ShardIndex.Parse(input, Folder + "/model.safetensors.index.json");
        _ = index.ShardOf("a");
        return $"ok {index.ShardNames.Count}";
    });

    private static string GroupingTarget(byte[] input) => Outcome(() =>
    {
        var grouping = GroupingFile.Parse(input, "/fuzz/grouping.json");
        // Round trip: what merge and wse do with a grouping that was accepted.
        var again = GroupingFile.Parse(Encoding.UTF8.GetBytes(GroupingFile.ToJson(grouping)), "/fuzz/grouping.json", grouping.Layers.Select(l => l.Grouping.HeadCount).ToArray());
        return $"ok {again.IsUniformEqualCardinality}";
    });

    private static string SpecTarget(byte[] input) => Outcome(() =>
    {
        // As SpecReader.Read does with a file's bytes.
        var text = StrictUtf8.Decode(input, "/fuzz/qcqa.yaml", ErrorCodes.SpecSyntax, "The spec");
        var result = SpecReader.Parse(text, "/fuzz/qcqa.yaml", new SpecReaderOptions { CheckPathsExist = false });
        if (result.Spec is { } spec)
            foreach (var variant in spec.Models.SelectMany(m => m.Variants))
                _ = variant.ValidateBudget([8, 8, 8, 8]).Count;
        return result.Succeeded ? "ok" : string.Join(",", result.Diagnostics.Select(d => Label(d.Code, d.Message)).Distinct().Order().Take(4));
    });

    // Expected outcomes become a label; anything else escapes to the engine as a finding.
    private static string Outcome(Func<string> run)
    {
        try
        {
            return run();
        }
        catch (QcqaException e)
        {
            CheckMessage(e.Message);
            return Label(e.Code, e.Message);
        }
        catch (QcqaSpecException e)
        {
            return string.Join(",", e.Diagnostics.Select(d => Label(d.Code, d.Message)).Distinct().Order().Take(4));
        }
    }

    // A user error must be one line (the canonical form) and carry a message.
    private static void CheckMessage(string message)
    {
        if (string.IsNullOrWhiteSpace(message)) throw new InvalidOperationException("A user error has an empty message.");
    }

    // The code and the message's first words without numbers or quoted text: the shape of the outcome, not its details.
    private static string Label(string code, string message)
    {
        var words = message.Split(' ', 6);
        var shape = new StringBuilder(code).Append(' ');
        foreach (var word in words.Take(5))
            if (!word.Any(char.IsDigit) && !word.Contains('\'') && !word.Contains('"')) shape.Append(word).Append(' ');
        return shape.ToString().TrimEnd();
    }
}

using System.Globalization;
using System.Text;

namespace Qcqa.Fuzz;

/// <summary>
/// Grammar-aware generators: random documents of each format, mostly well-formed and built from its real keys, with
/// values drawn near the limits the readers enforce, so that fuzzing reaches the checks behind the syntax.
/// </summary>
internal static class Grammar
{
    private static readonly string[] Dtypes = ["F32", "F16", "BF16", "F64", "I64", "U8", "BOOL", "F8_E5M2", "X1"];
    private static readonly string[] Modes = ["arbitrary", "equal", "gqa", "mqa", "identity", "planted", "custom", "banana"];

    internal static string SafetensorsHeader(FuzzRandom r)
    {
        var text = new StringBuilder("{");
        if (r.Chance(20)) text.Append("\"__metadata__\": {\"format\": \"pt\"},");
        long offset = 0;
        var count = r.Next(5);
        for (var i = 0; i < count; i++)
        {
            var dtype = r.Pick(Dtypes);
            var size = dtype switch { "F64" or "I64" => 8, "F32" => 4, "F16" or "BF16" => 2, _ => 1 };
            var rows = r.Next(5);
            var columns = r.Next(5);
            var length = (long)rows * columns * size;
            var end = r.Chance(85) ? offset + length : r.Next(5000);
            text.Append(CultureInfo.InvariantCulture, $"{(i > 0 ? "," : "")}\"t{i}\": {{\"dtype\": \"{dtype}\", \"shape\": [{rows}, {columns}], \"data_offsets\": [{(r.Chance(90) ? offset : r.Next(100))}, {end}]}}");
            offset = end;
        }
        text.Append('}');
        // The first byte picks the data length: 4096 for most.
        return "\u0003" + text + new string(' ', r.Next(8));
    }

    internal static string Config(FuzzRandom r)
    {
        var heads = r.Pick(new[] { 1, 2, 4, 6, 8, 12, 32, 0, -1, 1_000_000_000 });
        var kv = r.Chance(50) ? heads : r.Pick(new[] { 1, 2, 3, 4, heads });
        var layers = r.Pick(new[] { 1, 2, 3, 6, 0, int.MaxValue });
        var parts = new List<string>
        {
            $"\"num_attention_heads\": {Number(r, heads)}",
            $"\"hidden_size\": {Number(r, heads * 16)}",
            $"\"num_hidden_layers\": {Number(r, layers)}",
        };
        if (r.Chance(70)) parts.Add($"\"num_key_value_heads\": {Number(r, kv)}");
        if (r.Chance(30)) parts.Add($"\"head_dim\": {Number(r, 16)}");
        if (r.Chance(50)) parts.Add("\"model_type\": \"llama\"");
        if (r.Chance(40)) parts.Add($"\"qcqa\": {QcqaBlock(r, heads, layers, kv)}");
        Shuffle(r, parts);
        return "{" + string.Join(", ", parts) + "}";
    }

    private static string QcqaBlock(FuzzRandom r, int heads, int layers, int kv)
    {
        var shownLayers = Math.Clamp(layers, 0, 4);
        var shownHeads = Math.Clamp(heads, 0, 16);
        var layerTexts = Enumerable.Range(0, shownLayers).Select(_ =>
        {
            var g = Math.Max(1, r.Chance(80) ? kv : r.Next(5));
            var map = Enumerable.Range(0, shownHeads).Select(h => r.Chance(90) ? (h * g / Math.Max(1, shownHeads)).ToString(CultureInfo.InvariantCulture) : Number(r, r.Next(20) - 2));
            return $"{{\"num_key_value_heads\": {g}, \"query_to_kv\": [{string.Join(", ", map)}]}}";
        });
        return $"{{\"version\": {(r.Chance(90) ? "1" : "2")}, \"form\": \"{(r.Chance(50) ? "gqa" : "per_layer_map")}\", \"mode\": \"{r.Pick(Modes)}\", \"layers\": [{string.Join(", ", layerTexts)}]}}";
    }

    internal static string Index(FuzzRandom r)
    {
        var shards = new[] { "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "../up.safetensors", "", "a\u0000b" };
        var entries = Enumerable.Range(0, r.Next(6)).Select(i => $"\"model.layers.{i}.self_attn.k_proj.weight\": \"{(r.Chance(85) ? shards[r.Next(2)] : r.Pick(shards))}\"");
        var metadata = r.Chance(60) ? $"\"metadata\": {{\"total_size\": {Number(r, r.Next(100000))}}}, " : "";
        return $"{{{metadata}\"weight_map\": {{{string.Join(", ", entries)}}}}}";
    }

    internal static string Grouping(FuzzRandom r)
    {
        var layers = r.Next(4) + (r.Chance(5) ? 0 : 1);
        var layerTexts = Enumerable.Range(0, layers).Select(i =>
        {
            var heads = Enumerable.Range(0, 1 + r.Next(8)).ToList();
            if (r.Chance(10)) heads.Add(r.Chance(50) ? heads[0] : 99);
            Shuffle(r, heads);
            var groups = new List<string>();
            for (var start = 0; start < heads.Count;)
            {
                var size = 1 + r.Next(3);
                groups.Add("[" + string.Join(", ", heads.Skip(start).Take(size)) + "]");
                start += size;
            }
            var index = r.Chance(90) ? i.ToString(CultureInfo.InvariantCulture) : r.Pick(new[] { "\"zero\"", "-1", "1.5", "99" });
            var wse = r.Chance(50) ? $", \"wse\": {Number(r, r.Next(100))}" : "";
            return $"{{\"index\": {index}, \"groups\": [{string.Join(", ", groups)}]{wse}}}";
        });
        return $"{{\"mode\": \"{r.Pick(Modes)}\", \"layers\": [{string.Join(", ", layerTexts)}]{(r.Chance(30) ? $", \"kv_heads_total\": {r.Next(20)}" : "")}}}";
    }

    internal static string Spec(FuzzRandom r)
    {
        var text = new StringBuilder();
        if (r.Chance(20)) text.Append("version: 1\n");
        if (r.Chance(30)) text.Append("defaults:\n  device: ").Append(r.Pick(new[] { "cpu", "cuda", "auto", "tpu" })).Append("\n  search: &s { population: ").Append(r.Pick(new[] { "16", "2", "1", "100001" })).Append(", generations: 4, seed: 1 }\n");
        if (r.Chance(20)) text.Append("evaluation: { text: heldout.txt, max_tokens: ").Append(r.Pick(new[] { "64", "0", "-1" })).Append(" }\n");
        text.Append("models:\n");
        for (var m = 0; m < 1 + r.Next(2); m++)
        {
            text.Append("  - path: models/m").Append(m).Append('\n');
            if (r.Chance(50)) text.Append("    name: model-").Append(m).Append('\n');
            text.Append("    variants:\n");
            var variants = r.Next(4);
            if (variants == 0) text.Append("      []\n");
            for (var v = 0; v < variants; v++)
            {
                var mode = r.Pick(new[] { "arbitrary", "equal", "gqa", "mqa", "arbitary" });
                text.Append("      - { name: v").Append(v).Append(", mode: ").Append(mode);
                if (mode != "mqa" || r.Chance(20)) text.Append(", budget: ").Append(Budget(r));
                if (r.Chance(20)) text.Append(", search: *s");
                text.Append(" }\n");
            }
        }
        return text.ToString();
    }

    private static string Budget(FuzzRandom r) => r.Next(4) switch
    {
        0 => r.Pick(new[] { "0.5", "0.25", "1", "0", "1.5", ".nan", "\"0.5\"" }),
        1 => "{ global: 0.5, layers: { \"1-2\": 0.25 }, keep_mha: [0] }",
        2 => "{ layers: { \"0\": 2, \"1-3\": 0.5, \"3-1\": 1 } }",
        _ => "{ global: " + r.Pick(new[] { "0.5", "2", "-1" }) + ", keep_mha: [" + r.Next(10) + "] }",
    };

    private static string Number(FuzzRandom r, long value) => r.Chance(8) ? r.Pick(Mutator.Numbers) : value.ToString(CultureInfo.InvariantCulture);

    private static void Shuffle<T>(FuzzRandom r, List<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = r.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}

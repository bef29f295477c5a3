using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Input;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// The <c>"qcqa"</c> block QcqaBuild writes into a compressed checkpoint's <c>config.json</c>:
/// <c>{"version": 1, "form": "gqa" | "per_layer_map", "mode": "...", "layers": [{"num_key_value_heads": G,
/// "query_to_kv": [...]}, ...]}</c>. Other tools (the runtime, evaluation) read it; its presence also marks a folder
/// as QcqaBuild output.
/// </summary>
/// <remarks>
/// <c>form</c> is <c>gqa</c> when the checkpoint is a standard GQA checkpoint (every layer's map is the
/// <c>repeat_kv</c> map, stock loaders run it) and <c>per_layer_map</c> otherwise (only QcqaBuild's runtime
/// understands it). <c>mode</c> records what produced the grouping (the grouping file's mode).
/// </remarks>
public sealed class QcqaConfigBlock
{
    /// <summary>The config property holding the block.</summary>
    public const string PropertyName = "qcqa";

    /// <summary>The only version written and understood.</summary>
    public const int CurrentVersion = 1;

    /// <summary><see cref="Form"/> of a standard GQA checkpoint.</summary>
    public const string GqaForm = "gqa";

    /// <summary><see cref="Form"/> of a checkpoint with per-layer maps.</summary>
    public const string PerLayerMapForm = "per_layer_map";

    /// <summary>Creates a block.</summary>
    /// <param name="form"><see cref="GqaForm"/> or <see cref="PerLayerMapForm"/> (or null when unknown).</param>
    /// <param name="mode">What produced the grouping, or null.</param>
    /// <param name="layers">One map per layer, in layer order.</param>
    public QcqaConfigBlock(string? form, string? mode, IReadOnlyList<QcqaLayerMap> layers)
    {
        Form = form;
        Mode = mode;
        Layers = Preconditions.CheckNotNull(layers);
    }

    /// <summary><c>gqa</c> or <c>per_layer_map</c>; null when the block does not say.</summary>
    public string? Form { get; }

    /// <summary>What produced the grouping (e.g. <c>equal</c>, <c>arbitrary</c>); null when not recorded.</summary>
    public string? Mode { get; }

    /// <summary>Per-layer KV head counts and query → KV maps.</summary>
    public IReadOnlyList<QcqaLayerMap> Layers { get; }

    /// <summary>True when every layer has the standard <c>repeat_kv</c> map with <paramref name="keyValueHeads"/> KV heads.</summary>
    public bool IsStandardGqa(int keyValueHeads) => Layers.All(l => l.NumKeyValueHeads == keyValueHeads && l.IsStandard);

    /// <summary>The block as JSON, ready to be put into a config object.</summary>
    public JsonObject ToJson()
    {
        var layers = new JsonArray();
        foreach (var layer in Layers)
            layers.Add(new JsonObject
            {
                ["num_key_value_heads"] = layer.NumKeyValueHeads,
                ["query_to_kv"] = new JsonArray(layer.QueryToKv.Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
            });
        var block = new JsonObject { ["version"] = CurrentVersion };
        if (Form is not null) block["form"] = Form;
        if (Mode is not null) block["mode"] = Mode;
        block["layers"] = layers;
        return block;
    }

    /// <summary>Parses and validates a block read from <paramref name="path"/>.</summary>
    /// <param name="node">The value of the <c>qcqa</c> property, with its position.</param>
    /// <param name="queryHeads">H, the model's query heads per layer.</param>
    /// <param name="layerCount">The model's layers.</param>
    /// <param name="path">The config file, for errors.</param>
    /// <exception cref="QcqaException">QCQA013 at the offending value when the block is malformed or does not fit the model.</exception>
    public static QcqaConfigBlock Parse(JsonInputNode node, int queryHeads, int layerCount, string path)
    {
        QcqaException Bad(JsonInputNode at, string message) => at.Error(ErrorCodes.BadModelConfig, $"The \"qcqa\" block is invalid: {message}", path);
        if (!node.IsObject) throw Bad(node, $"it must be an object, not {node.Describe()}.");
        if (node["version"] is not { } v || !v.TryGetInt32(out var version))
            throw Bad(node["version"] ?? node, "\"version\" is missing or not an integer.");
        if (version != CurrentVersion) throw Bad(v, $"version {version} is not supported (this QcqaBuild reads version {CurrentVersion}).");
        string? form = null, mode = null;
        if (node["form"] is { } f && (!f.TryGetString(out form!) || form is not (GqaForm or PerLayerMapForm)))
            throw Bad(f, $"\"form\" must be \"{GqaForm}\" or \"{PerLayerMapForm}\", not {f.Describe()}.");
        if (node["mode"] is { } m && (!m.TryGetString(out mode!) || !GroupingModes.IsKnown(mode)))
            throw Bad(m, $"\"mode\" must be one of {string.Join(", ", GroupingModes.All)}, not {m.Describe()}.");
        if (node["layers"] is not { IsArray: true } layers) throw Bad(node["layers"] ?? node, "\"layers\" is missing or not an array.");
        if (layers.Items.Count != layerCount) throw Bad(layers, $"it has {layers.Items.Count} layers but num_hidden_layers is {layerCount}.");

        var maps = new QcqaLayerMap[layers.Items.Count];
        for (var i = 0; i < maps.Length; i++)
        {
            var layer = layers.Items[i];
            if (!layer.IsObject) throw Bad(layer, $"layers[{i}] is not an object.");
            if (layer["num_key_value_heads"] is not { } g || !g.TryGetInt32(out var groups) || groups <= 0 || groups > queryHeads)
                throw Bad(layer["num_key_value_heads"] ?? layer, $"layers[{i}].num_key_value_heads must be an integer in 1..{queryHeads}.");
            // The array's length is checked before anything is sized by queryHeads, which is not yet checked against the tensors.
            if (layer["query_to_kv"] is not { IsArray: true } map || map.Items.Count != queryHeads)
                throw Bad(layer["query_to_kv"] ?? layer, $"layers[{i}].query_to_kv must be an array with one entry per query head ({queryHeads}).");
            var queryToKv = new int[queryHeads];
            var used = new bool[groups];
            for (var h = 0; h < queryHeads; h++)
            {
                if (!map.Items[h].TryGetInt32(out var k) || k < 0 || k >= groups)
                    throw Bad(map.Items[h], $"layers[{i}].query_to_kv[{h}] must be a KV head index in 0..{groups - 1}.");
                queryToKv[h] = k;
                used[k] = true;
            }
            var unused = Array.IndexOf(used, false);
            if (unused >= 0) throw Bad(map, $"layers[{i}]: KV head {unused} is read by no query head.");
            maps[i] = new QcqaLayerMap(groups, queryToKv);
        }
        return new QcqaConfigBlock(form, mode, maps);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Input;

namespace Qcqa.Core.Grouping;

/// <summary>
/// Reads and writes the grouping file, the JSON exchanged by <c>search</c>, <c>merge</c> and <c>wse</c>:
/// <c>{"mode": "...", "layers": [{"index": 0, "groups": [[0, 5, 7], [1, 2]], "wse": 12.3, "wse_relative": 0.04}],
/// "kv_heads_total": N, "wse_total": X}</c>. Head indices are those of the input model.
/// </summary>
public static class GroupingFile
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    /// <summary>Serialises a grouping to the file format.</summary>
    public static string ToJson(ModelGrouping grouping)
    {
        var layers = new JsonArray();
        foreach (var layer in grouping.Layers)
        {
            var groups = new JsonArray();
            foreach (var g in layer.Grouping.Groups) groups.Add(new JsonArray(g.Select(h => (JsonNode)JsonValue.Create(h)).ToArray()));
            var node = new JsonObject { ["index"] = layer.Index, ["groups"] = groups };
            if (layer.Wse is { } wse) node["wse"] = wse;
            if (layer.WseRelative is { } rel) node["wse_relative"] = rel;
            layers.Add(node);
        }
        var root = new JsonObject
        {
            ["mode"] = grouping.Mode,
            ["layers"] = layers,
            ["kv_heads_total"] = grouping.KvHeadsTotal,
        };
        if (grouping.WseTotal is { } total) root["wse_total"] = total;
        return root.ToJsonString(WriteOptions);
    }

    /// <summary>Writes the file atomically (temporary file, then rename).</summary>
    public static void Write(string path, ModelGrouping grouping) => AtomicFile.WriteAllText(path, ToJson(grouping));

    /// <summary>Reads and validates a grouping file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="headsPerLayer">When given, the KV units of each layer of the model it will be applied to.</param>
    /// <exception cref="QcqaException">QCQA001 when the file is missing; QCQA020, at the offending value, when it is not
    /// valid UTF-8 JSON, does not follow the schema below, or does not fit the model.</exception>
    public static ModelGrouping Read(string path, IReadOnlyList<int>? headsPerLayer = null)
        => Parse(JsonInput.Read(path, ErrorCodes.FileNotFound, ErrorCodes.BadGrouping, "The grouping file"), path, headsPerLayer);

    /// <summary>Parses grouping JSON (see <see cref="Read"/>).</summary>
    public static ModelGrouping Parse(ReadOnlySpan<byte> utf8, string path, IReadOnlyList<int>? headsPerLayer = null)
        => Parse(JsonInput.Parse(utf8, path, ErrorCodes.BadGrouping, "The grouping file"), path, headsPerLayer);

    // The schema: {"mode": one of GroupingModes.All (default "custom"), "layers": [{"index": i (optional, = position),
    // "groups": [[head, ...], ...], "wse": number >= 0, "wse_relative": number >= 0}, ...], "kv_heads_total": N (optional,
    // must match), "wse_total": number >= 0}; no other keys.
    private static ModelGrouping Parse(JsonInputNode root, string path, IReadOnlyList<int>? headsPerLayer)
    {
        QcqaException Bad(JsonInputNode at, string message) => at.Error(ErrorCodes.BadGrouping, message, path);
        if (!root.IsObject) throw Bad(root, $"A grouping file holds a JSON object with \"mode\" and \"layers\", not {root.Describe()}.");
        CheckKeys(root, RootKeys, "the grouping file", path);
        var mode = "custom";
        if (root["mode"] is { } modeNode && (!modeNode.TryGetString(out mode) || !GroupingModes.IsKnown(mode)))
            throw Bad(modeNode, $"\"mode\" must be one of {string.Join(", ", GroupingModes.All)}, not {modeNode.Describe()}.");
        if (root["layers"] is not { IsArray: true } layers)
            throw Bad(root["layers"] ?? root, "\"layers\" must be an array with one entry per layer.");
        if (headsPerLayer is not null && layers.Items.Count != headsPerLayer.Count)
            throw Bad(layers, $"The grouping has {layers.Items.Count} layers but the model has {headsPerLayer.Count}.");
        if (layers.Items.Count == 0) throw Bad(layers, "\"layers\" is empty; a grouping has at least one layer.");

        var entries = new LayerGroupingEntry[layers.Items.Count];
        for (var position = 0; position < entries.Length; position++)
        {
            var layer = layers.Items[position];
            if (!layer.IsObject) throw Bad(layer, $"layers[{position}] must be an object with \"groups\", not {layer.Describe()}.");
            CheckKeys(layer, LayerKeys, $"layers[{position}]", path);
            if (layer["index"] is { } indexNode && (!indexNode.TryGetInt32(out var index) || index != position))
                throw Bad(indexNode, $"layers[{position}] has index {indexNode.Describe()}; layers must be listed in order 0, 1, 2, ... and \"index\" must say so.");
            if (layer["groups"] is not { IsArray: true, Items.Count: > 0 } groups)
                throw Bad(layer["groups"] ?? layer, $"Layer {position}: \"groups\" must be a non-empty array of arrays of head indices.");
            var parsed = new List<int[]>(groups.Items.Count);
            foreach (var g in groups.Items)
            {
                if (!g.IsArray || g.Items.Count == 0) throw Bad(g, $"Layer {position}: every group must be a non-empty array of head indices, not {g.Describe()}.");
                var heads = new int[g.Items.Count];
                for (var i = 0; i < heads.Length; i++)
                    if (!g.Items[i].TryGetInt32(out heads[i]) || heads[i] < 0)
                        throw Bad(g.Items[i], $"Layer {position}: head indices must be whole numbers from 0, not {g.Items[i].Describe()}.");
                parsed.Add(heads);
            }
            var units = headsPerLayer?[position] ?? parsed.Sum(p => p.Length);
            LayerGrouping grouping;
            try
            {
                grouping = LayerGrouping.FromGroups(units, parsed);
            }
            catch (ArgumentException e)
            {
                throw Bad(groups, $"Layer {position}: the groups are not a partition of heads 0..{units - 1}: {e.Message.Split(" (Parameter")[0]}");
            }
            entries[position] = new LayerGroupingEntry(position, grouping, OptionalNonNegative(layer, "wse", path), OptionalNonNegative(layer, "wse_relative", path));
        }
        var result = new ModelGrouping(mode, entries);
        if (root["kv_heads_total"] is { } total && (!total.TryGetInt32(out var kept) || kept != result.KvHeadsTotal))
            throw Bad(total, $"\"kv_heads_total\" is {total.Describe()} but the groups keep {result.KvHeadsTotal} KV heads; fix or remove it.");
        OptionalNonNegative(root, "wse_total", path);
        return result;
    }

    private static readonly string[] RootKeys = ["mode", "layers", "kv_heads_total", "wse_total"];
    private static readonly string[] LayerKeys = ["index", "groups", "wse", "wse_relative"];

    private static void CheckKeys(JsonInputNode node, string[] known, string what, string path)
    {
        foreach (var property in node.Properties)
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                throw new QcqaException(ErrorCodes.BadGrouping,
                    $"Unknown key \"{JsonInputNode.Shorten(property.Name)}\" in {what}; expected {string.Join(", ", known)}.", path, property.Line, property.Column);
    }

    private static double? OptionalNonNegative(JsonInputNode node, string key, string path)
    {
        if (node[key] is not { } value || value.Kind == JsonInputKind.Null) return null;
        if (!value.TryGetDouble(out var number) || number < 0)
            throw value.Error(ErrorCodes.BadGrouping, $"\"{key}\" must be a finite number of 0 or more, not {value.Describe()}.", path);
        return number;
    }
}

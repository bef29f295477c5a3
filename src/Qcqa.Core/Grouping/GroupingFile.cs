using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;

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
            var node = new JsonObject { ["index"] = layer.Index, ["groups"] = GroupsToJson(layer.Grouping) };
            if (layer.Wse is { } wse) node["wse"] = wse;
            if (layer.WseRelative is { } rel) node["wse_relative"] = rel;
            layers.Add(node);
        }
        var root = new JsonObject
        {
            ["mode"] = grouping.Mode.ToName(),
            ["layers"] = layers,
            ["kv_heads_total"] = grouping.KvHeadsTotal,
        };
        if (grouping.WseTotal is { } total) root["wse_total"] = total;
        return root.ToJsonString(WriteOptions);
    }

    /// <summary>
    /// A layer's groups as written in grouping files and fronts files: <c>[[0, 5, 7], [1, 2]]</c>, groups in canonical
    /// order, heads ascending.
    /// </summary>
    internal static JsonArray GroupsToJson(LayerGrouping grouping)
        => new(grouping.Groups.Select(g => (JsonNode)new JsonArray(g.Select(h => (JsonNode)JsonValue.Create(h)).ToArray())).ToArray());

    /// <summary>Writes the file atomically (temporary file, then rename).</summary>
    public static void Write(string path, ModelGrouping grouping) => AtomicFile.WriteAllText(path, ToJson(grouping));

    /// <summary>Reads and validates a grouping file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="headsPerLayer">When given, the KV units of each layer of the model it will be applied to.</param>
    /// <exception cref="QcqaException">The file is missing, not valid JSON, or does not fit the model (QCQA001, QCQA020).</exception>
    public static ModelGrouping Read(string path, IReadOnlyList<int>? headsPerLayer = null)
    {
        if (!File.Exists(path)) throw new QcqaException(ErrorCodes.FileNotFound, "Grouping file not found.", path);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new QcqaException(ErrorCodes.BadGrouping, $"Not valid JSON: {e.Message}", path, (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1, e);
        }
        return Parse(root, path, headsPerLayer);
    }

    /// <summary>Parses grouping JSON already read (see <see cref="Read"/>).</summary>
    public static ModelGrouping Parse(JsonNode? root, string path, IReadOnlyList<int>? headsPerLayer = null)
    {
        QcqaException Bad(string message) => new(ErrorCodes.BadGrouping, message, path);
        if (root is not JsonObject obj) throw Bad("Expected a JSON object with \"mode\" and \"layers\".");
        var mode = GroupingMode.Custom;
        if (obj["mode"] is { } modeNode
            && (modeNode is not JsonValue m || !m.TryGetValue<string>(out var name) || !GroupingModes.TryParse(name, out mode)))
            throw Bad($"\"mode\" must be one of {GroupingModes.AllNames} (or absent for custom).");
        if (obj["layers"] is not JsonArray layers) throw Bad("\"layers\" must be an array.");
        if (headsPerLayer is not null && layers.Count != headsPerLayer.Count)
            throw Bad($"The grouping has {layers.Count} layers but the model has {headsPerLayer.Count}.");

        var entries = new LayerGroupingEntry[layers.Count];
        for (var position = 0; position < layers.Count; position++)
        {
            if (layers[position] is not JsonObject layer) throw Bad($"layers[{position}] must be an object.");
            var index = layer["index"] is JsonValue iv && iv.TryGetValue<int>(out var i) ? i : position;
            if (index != position) throw Bad($"layers[{position}] has index {index}; layers must be listed in order 0, 1, 2, ...");
            if (layer["groups"] is not JsonArray groups || groups.Count == 0) throw Bad($"Layer {index}: \"groups\" must be a non-empty array of arrays of head indices.");
            var parsed = new List<int[]>();
            foreach (var g in groups)
            {
                if (g is not JsonArray ga) throw Bad($"Layer {index}: every group must be an array of head indices.");
                try
                {
                    parsed.Add(ga.Select(h => h!.GetValue<int>()).ToArray());
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
                {
                    throw Bad($"Layer {index}: head indices must be integers.");
                }
            }
            var heads = headsPerLayer?[index] ?? parsed.Sum(p => p.Length);
            LayerGrouping grouping;
            try
            {
                grouping = LayerGrouping.FromGroups(heads, parsed);
            }
            catch (ArgumentException e)
            {
                throw Bad($"Layer {index}: the groups are not a partition of heads 0..{heads - 1}: {e.Message.Split(" (Parameter")[0]}");
            }
            double? wse = layer["wse"] is JsonValue wv && wv.TryGetValue<double>(out var w) ? w : null;
            double? rel = layer["wse_relative"] is JsonValue rv && rv.TryGetValue<double>(out var r) ? r : null;
            entries[position] = new LayerGroupingEntry(index, grouping, wse, rel);
        }
        return new ModelGrouping(mode, entries);
    }
}

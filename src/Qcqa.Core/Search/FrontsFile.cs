using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Search;

/// <summary>
/// The per-layer Pareto fronts as JSON (<c>search --fronts</c>, and the cache's "front" entries):
/// <c>{"mode": "arbitrary", "layers": [{"index": 0, "heads": 32, "energy": E, "points": [{"kv_heads": G, "wse": W,
/// "wse_relative": R, "groups": [[...], ...]}, ...]}, ...]}</c>.
/// </summary>
public static class FrontsFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Serialises fronts (all from one mode).</summary>
    public static string ToJson(IReadOnlyList<LayerFront> fronts, bool indented = true)
    {
        var layers = new JsonArray();
        for (var l = 0; l < fronts.Count; l++)
        {
            var front = fronts[l];
            var points = new JsonArray();
            foreach (var p in front.Points)
            {
                points.Add(new JsonObject
                {
                    ["kv_heads"] = p.GroupCount,
                    ["wse"] = p.Wse,
                    ["wse_relative"] = front.RelativeWse(p.Wse),
                    ["groups"] = GroupingFile.GroupsToJson(p.Grouping),
                });
            }
            layers.Add(new JsonObject { ["index"] = l, ["heads"] = front.HeadCount, ["energy"] = front.Energy, ["points"] = points });
        }
        var root = new JsonObject { ["mode"] = fronts.Count > 0 ? fronts[0].Mode.ToName() : GroupingMode.Arbitrary.ToName(), ["layers"] = layers };
        return root.ToJsonString(indented ? Indented : null);
    }

    /// <summary>Reads fronts written by <see cref="ToJson"/>; throws <see cref="FormatException"/> on anything else.</summary>
    public static IReadOnlyList<LayerFront> Parse(string json)
    {
        var root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("Fronts JSON must be an object.");
        var name = root["mode"] is JsonValue m && m.TryGetValue<string>(out var text) ? text : null;
        if (!GroupingModes.TryParse(name, out var mode) || mode is GroupingMode.Mqa or GroupingMode.Custom)
            throw new FormatException($"Unknown fronts mode '{name}'.");
        var layers = root["layers"] as JsonArray ?? throw new FormatException("Missing layers.");
        return layers.Select(node =>
        {
            var layer = node as JsonObject ?? throw new FormatException("A layer must be an object.");
            var heads = (int)layer["heads"]!;
            var points = ((JsonArray)layer["points"]!).Select(pn =>
            {
                var p = (JsonObject)pn!;
                var groups = ((JsonArray)p["groups"]!).Select(g => ((JsonArray)g!).Select(h => (int)h!));
                return new FrontPoint(LayerGrouping.FromGroups(heads, groups), (double)p["wse"]!);
            });
            return new LayerFront(heads, mode, (double)layer["energy"]!, points);
        }).ToArray();
    }
}

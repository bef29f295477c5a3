using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// <c>model.safetensors.index.json</c> of a sharded checkpoint: <c>{"metadata": {...}, "weight_map": {tensor: shard}}</c>.
/// Loading checks the file's own consistency (JSON, one shard per tensor, shard names are files of the folder that
/// exist); <see cref="Checkpoint"/> checks it against the shards' headers.
/// </summary>
public sealed class ShardIndex
{
    /// <summary>The file name inside a model folder.</summary>
    public const string FileName = "model.safetensors.index.json";

    private readonly JsonObject _json;
    private readonly Dictionary<string, string> _shardOf;

    private ShardIndex(string path, JsonObject json, List<KeyValuePair<string, string>> weightMap)
    {
        Path = path;
        _json = json;
        WeightMap = weightMap;
        _shardOf = weightMap.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        ShardNames = weightMap.Select(e => e.Value).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The index file.</summary>
    public string Path { get; }

    /// <summary>Tensor name → shard file name, in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> WeightMap { get; }

    /// <summary>The shard file names, each once, in order of first appearance.</summary>
    public IReadOnlyList<string> ShardNames { get; }

    /// <summary>The shard file name that holds <paramref name="tensor"/>, or null when the index does not list it.</summary>
    public string? ShardOf(string tensor) => _shardOf.GetValueOrDefault(tensor);

    /// <summary>A deep copy of the whole index object, to be changed and written out.</summary>
    public JsonObject ToJsonObject() => (JsonObject)_json.DeepClone();

    /// <summary>Reads and validates an index file; shard files must exist beside it.</summary>
    /// <param name="path">The index file.</param>
    /// <exception cref="QcqaException">QCQA015 when the index is not valid JSON, lacks a weight map, lists a tensor twice,
    /// names a shard outside the folder, or names a shard that does not exist.</exception>
    public static ShardIndex Load(string path)
    {
        Preconditions.CheckNotNull(path);
        QcqaException Bad(string message, int line = 0, int column = 0) => new(ErrorCodes.BadShardIndex, message, path, line, column);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QcqaException(ErrorCodes.BadShardIndex, "The shard index does not exist.", path, inner: e);
        }

        var weightMap = new List<KeyValuePair<string, string>>();
        try
        {
            // JsonDocument keeps duplicate keys, so a tensor listed twice is caught here rather than silently merged.
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad("The shard index must be a JSON object.", 1, 1);
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                var (line, column) = JsonPosition.OfTopLevelProperty(bytes, "weight_map");
                throw Bad("The shard index has no \"weight_map\" object mapping tensor names to shard files.", line, column);
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw Bad($"weight_map entry '{entry.Name}' must name a shard file, found {entry.Value.GetRawText()}.");
                if (!seen.Add(entry.Name))
                    throw Bad($"weight_map lists tensor '{entry.Name}' more than once.");
                weightMap.Add(new(entry.Name, entry.Value.GetString()!));
            }
        }
        catch (JsonException e)
        {
            throw new QcqaException(ErrorCodes.BadShardIndex, $"The shard index is not valid JSON: {e.Message}", path,
                (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1, e);
        }
        if (weightMap.Count == 0) throw Bad("weight_map is empty.");

        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        foreach (var shard in weightMap.Select(e => e.Value).Distinct(StringComparer.Ordinal))
        {
            if (shard.Length == 0 || shard is "." or ".." || shard.IndexOfAny(['/', '\\']) >= 0 || System.IO.Path.IsPathRooted(shard))
                throw Bad($"Shard '{shard}' is not a plain file name; shards must be files of the model folder.");
            if (!File.Exists(System.IO.Path.Combine(folder, shard)))
                throw Bad($"Shard '{shard}' listed in the index does not exist in the model folder.");
        }
        var json = (JsonObject)JsonNode.Parse(bytes)!;
        return new ShardIndex(path, json, weightMap);
    }
}

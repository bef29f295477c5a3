using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Input;

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
        var index = Parse(JsonInput.Read(path, ErrorCodes.BadShardIndex, ErrorCodes.BadShardIndex, "The shard index"), path);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        foreach (var shard in index.ShardNames)
        {
            var shardPath = System.IO.Path.Combine(folder, shard);
            if (Directory.Exists(shardPath))
                throw new QcqaException(ErrorCodes.BadShardIndex, $"Shard '{JsonInputNode.Shorten(shard)}' listed in the index is a folder, not a file.", path);
            if (!File.Exists(shardPath))
                throw new QcqaException(ErrorCodes.BadShardIndex, $"Shard '{JsonInputNode.Shorten(shard)}' listed in the index does not exist in the model folder.", path);
        }
        return index;
    }

    /// <summary>Parses and validates index JSON without looking at the folder (see <see cref="Load"/>).</summary>
    /// <exception cref="QcqaException">QCQA015 at the offending value.</exception>
    internal static ShardIndex Parse(ReadOnlySpan<byte> utf8, string path)
        => Parse(JsonInput.Parse(utf8, path, ErrorCodes.BadShardIndex, "The shard index"), path);

    private static ShardIndex Parse(JsonInputNode root, string path)
    {
        if (!root.IsObject) throw root.Error(ErrorCodes.BadShardIndex, $"The shard index must be a JSON object, not {root.Describe()}.", path);
        if (root["weight_map"] is not { IsObject: true } map)
            throw (root["weight_map"] ?? root).Error(ErrorCodes.BadShardIndex, "The shard index has no \"weight_map\" object mapping tensor names to shard files.", path);
        if (root["metadata"] is { } metadata && !metadata.IsObject && metadata.Kind != JsonInputKind.Null)
            throw metadata.Error(ErrorCodes.BadShardIndex, $"\"metadata\" must be an object, not {metadata.Describe()}.", path);

        var weightMap = new List<KeyValuePair<string, string>>();
        foreach (var entry in map.Properties)
        {
            if (!entry.Value.TryGetString(out var shard))
                throw entry.Value.Error(ErrorCodes.BadShardIndex, $"weight_map entry '{JsonInputNode.Shorten(entry.Name)}' must name a shard file, found {entry.Value.Describe()}.", path);
            if (shard.Length == 0 || shard is "." or ".." || shard.IndexOfAny(['/', '\\', '\0']) >= 0 || System.IO.Path.IsPathRooted(shard))
                throw entry.Value.Error(ErrorCodes.BadShardIndex, $"Shard '{JsonInputNode.Shorten(shard)}' is not a plain file name; shards must be files of the model folder.", path);
            weightMap.Add(new(entry.Name, shard));
        }
        if (weightMap.Count == 0) throw map.Error(ErrorCodes.BadShardIndex, "weight_map is empty.", path);
        return new ShardIndex(path, (JsonObject)root.ToJsonNode()!, weightMap);
    }
}

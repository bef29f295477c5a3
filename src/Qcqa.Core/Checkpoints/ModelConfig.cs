using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// A Hugging Face <c>config.json</c>: the attention geometry the engine needs, validated, plus the whole JSON
/// object so that a compressed checkpoint can be written with the same config and a few changes.
/// </summary>
/// <remarks>
/// Per layer, the KV heads are the units the grouping works on. Without a <c>qcqa</c> block every layer has
/// <see cref="NumKeyValueHeads"/> of them and query head h reads KV head h / (H / Hkv); with one, each layer has its
/// own count and map (see <see cref="QcqaConfigBlock"/>).
/// </remarks>
public sealed class ModelConfig
{
    /// <summary>The file name inside a model folder.</summary>
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonObject _json;
    private readonly QcqaLayerMap[] _layers;

    private ModelConfig(string path, JsonObject json, int heads, int kvHeads, bool declaresKvHeads, int hidden, int headDim, int layers, string? modelType, QcqaConfigBlock? qcqa)
    {
        Path = path;
        _json = json;
        NumAttentionHeads = heads;
        NumKeyValueHeads = kvHeads;
        DeclaresKeyValueHeads = declaresKvHeads;
        HiddenSize = hidden;
        HeadDim = headDim;
        NumHiddenLayers = layers;
        ModelType = modelType;
        Qcqa = qcqa;
        _layers = qcqa is not null
            ? qcqa.Layers.ToArray()
            : Enumerable.Repeat(QcqaLayerMap.Standard(heads, kvHeads), layers).ToArray();
    }

    /// <summary>The file the config was read from.</summary>
    public string Path { get; }

    /// <summary>H: query heads per layer (<c>num_attention_heads</c>).</summary>
    public int NumAttentionHeads { get; }

    /// <summary><c>num_key_value_heads</c>, or <see cref="NumAttentionHeads"/> when absent (multi-head attention).</summary>
    public int NumKeyValueHeads { get; }

    /// <summary>True when the file sets <c>num_key_value_heads</c>.</summary>
    public bool DeclaresKeyValueHeads { get; }

    /// <summary>D: the model width (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>d: size of one head (<c>head_dim</c>, default <c>hidden_size / num_attention_heads</c>).</summary>
    public int HeadDim { get; }

    /// <summary>Number of decoder layers (<c>num_hidden_layers</c>).</summary>
    public int NumHiddenLayers { get; }

    /// <summary><c>model_type</c>, e.g. <c>llama</c>; null when absent.</summary>
    public string? ModelType { get; }

    /// <summary>The <c>qcqa</c> block of a checkpoint QcqaBuild already compressed, or null.</summary>
    public QcqaConfigBlock? Qcqa { get; }

    /// <summary>True when every layer uses the standard <c>repeat_kv</c> map with <see cref="NumKeyValueHeads"/> KV heads.</summary>
    public bool IsStandardLayout => Qcqa is null || Qcqa.IsStandardGqa(NumKeyValueHeads);

    /// <summary>The KV heads of layer <paramref name="layer"/> (the units a grouping of that layer partitions).</summary>
    public int KeyValueHeads(int layer) => LayerMap(layer).NumKeyValueHeads;

    /// <summary>Layer <paramref name="layer"/>'s KV head count and query → KV map.</summary>
    public QcqaLayerMap LayerMap(int layer) => _layers[Preconditions.CheckRange(layer, 0, NumHiddenLayers - 1)];

    /// <summary>A deep copy of the whole config object, to be changed and written out.</summary>
    public JsonObject ToJsonObject() => (JsonObject)_json.DeepClone();

    /// <summary>Formats a config object the way Hugging Face writes them (indented, non-ASCII kept).</summary>
    public static string Serialize(JsonObject config) => config.ToJsonString(WriteOptions) + "\n";

    /// <summary>Reads and validates a <c>config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="QcqaException">QCQA013 when the file is missing, not valid JSON, or inconsistent.</exception>
    public static ModelConfig Load(string path)
    {
        Preconditions.CheckNotNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QcqaException(ErrorCodes.BadModelConfig, "The model folder has no config.json.", path, inner: e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses and validates config JSON.</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="path">The file, for errors.</param>
    /// <exception cref="QcqaException">QCQA013 when the JSON is invalid or inconsistent.</exception>
    public static ModelConfig Parse(ReadOnlySpan<byte> utf8, string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new QcqaException(ErrorCodes.BadModelConfig, $"config.json is not valid JSON: {e.Message}", path,
                (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1, e);
        }
        if (root is not JsonObject json)
            throw new QcqaException(ErrorCodes.BadModelConfig, "config.json must hold a JSON object.", path, 1, 1);

        var bytes = utf8.ToArray();
        QcqaException Bad(string key, string message)
        {
            var (line, column) = JsonPosition.OfTopLevelProperty(bytes, key);
            return new QcqaException(ErrorCodes.BadModelConfig, message, path, line, column);
        }

        int? Integer(string key, bool required)
        {
            var node = json[key];
            if (node is null)
                return required ? throw new QcqaException(ErrorCodes.BadModelConfig, $"config.json has no \"{key}\" (a positive integer).", path) : null;
            if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number || !value.TryGetValue<int>(out var n) || n <= 0)
                throw Bad(key, $"\"{key}\" must be a positive integer, found {node.ToJsonString()}.");
            return n;
        }

        var heads = Integer("num_attention_heads", true)!.Value;
        var hidden = Integer("hidden_size", true)!.Value;
        var layers = Integer("num_hidden_layers", true)!.Value;
        var declaredKv = Integer("num_key_value_heads", false);
        var kvHeads = declaredKv ?? heads;
        // With per-layer maps num_key_value_heads is the largest layer's count and need not divide the heads.
        if (heads % kvHeads != 0 && json[QcqaConfigBlock.PropertyName] is null)
            throw Bad("num_key_value_heads", $"num_attention_heads ({heads}) is not divisible by num_key_value_heads ({kvHeads}).");
        var headDim = Integer("head_dim", false);
        if (headDim is null && hidden % heads != 0)
            throw Bad("hidden_size", $"hidden_size ({hidden}) is not divisible by num_attention_heads ({heads}) and there is no \"head_dim\".");

        string? modelType = null;
        if (json["model_type"] is { } typeNode)
        {
            if (typeNode is not JsonValue tv || !tv.TryGetValue(out modelType))
                throw Bad("model_type", $"\"model_type\" must be a string, found {typeNode.ToJsonString()}.");
        }

        QcqaConfigBlock? qcqa = null;
        if (json[QcqaConfigBlock.PropertyName] is { } block)
        {
            var (line, column) = JsonPosition.OfTopLevelProperty(bytes, QcqaConfigBlock.PropertyName);
            qcqa = QcqaConfigBlock.Parse(block, heads, layers, path, line, column);
            var widest = qcqa.Layers.Max(l => l.NumKeyValueHeads);
            if (widest != kvHeads)
                throw Bad("num_key_value_heads", $"num_key_value_heads ({kvHeads}) must equal the largest per-layer count in the \"qcqa\" block ({widest}).");
            if (qcqa.Form == QcqaConfigBlock.GqaForm && !qcqa.IsStandardGqa(kvHeads))
                throw new QcqaException(ErrorCodes.BadModelConfig,
                    "The \"qcqa\" block says form \"gqa\" but its layers do not all use the standard map (query head h reads KV head h / (H / num_key_value_heads)).",
                    path, line, column);
        }

        return new ModelConfig(path, json, heads, kvHeads, declaredKv is not null, hidden, headDim ?? hidden / heads, layers, modelType, qcqa);
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Families;
using Qcqa.Core.Input;

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
    private readonly Lazy<QcqaLayerMap> _standardMap;

    private ModelConfig(string path, JsonObject json, int heads, int kvHeads, bool declaresKvHeads, int hidden, int headDim, int layers, string? modelType,
        IReadOnlyList<string> architectures, IModelFamily family, QcqaConfigBlock? qcqa)
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
        Architectures = architectures;
        Family = family;
        Qcqa = qcqa;
        // Nothing sized by the config is allocated here: the numbers are not yet checked against the tensors
        // (a config may claim 2^31 layers or 10^9 heads). The one standard map is built when first asked for.
        _standardMap = new Lazy<QcqaLayerMap>(() => QcqaLayerMap.Standard(heads, kvHeads));
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

    /// <summary><c>architectures</c>, e.g. <c>["LlamaForCausalLM"]</c>; empty when absent.</summary>
    public IReadOnlyList<string> Architectures { get; }

    /// <summary>The tensor layout the config names (<see cref="ModelFamilies.TryFind"/>): Llama, Phi-3 or GPT-NeoX.</summary>
    public IModelFamily Family { get; }

    /// <summary>The <c>qcqa</c> block of a checkpoint QcqaBuild already compressed, or null.</summary>
    public QcqaConfigBlock? Qcqa { get; }

    /// <summary>True when every layer uses the standard <c>repeat_kv</c> map with <see cref="NumKeyValueHeads"/> KV heads.</summary>
    public bool IsStandardLayout => Qcqa is null || Qcqa.IsStandardGqa(NumKeyValueHeads);

    /// <summary>The KV heads of layer <paramref name="layer"/> (the units a grouping of that layer partitions).</summary>
    public int KeyValueHeads(int layer)
        => Qcqa is { } block ? block.Layers[Preconditions.CheckRange(layer, 0, NumHiddenLayers - 1)].NumKeyValueHeads : NumKeyValueHeads;

    /// <summary>Layer <paramref name="layer"/>'s KV head count and query → KV map.</summary>
    public QcqaLayerMap LayerMap(int layer)
    {
        Preconditions.CheckRange(layer, 0, NumHiddenLayers - 1);
        return Qcqa is { } block ? block.Layers[layer] : _standardMap.Value;
    }

    /// <summary>A deep copy of the whole config object, to be changed and written out.</summary>
    public JsonObject ToJsonObject() => (JsonObject)_json.DeepClone();

    /// <summary>Formats a config object the way Hugging Face writes them (indented, non-ASCII kept).</summary>
    public static string Serialize(JsonObject config) => config.ToJsonString(WriteOptions) + "\n";

    /// <summary>Reads and validates a <c>config.json</c>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="QcqaException">
    /// QCQA013 when the file is missing, not valid UTF-8 JSON, inconsistent, or names an architecture QcqaBuild does
    /// not support (the message lists the supported ones).
    /// </exception>
    public static ModelConfig Load(string path)
    {
        Preconditions.CheckNotNull(path);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new QcqaException(ErrorCodes.BadModelConfig, "The model folder has no config.json.", path);
        var root = JsonInput.Read(path, ErrorCodes.BadModelConfig, ErrorCodes.BadModelConfig, "config.json");
        return Parse(root, path);
    }

    /// <summary>Parses and validates config JSON.</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="path">The file, for errors.</param>
    /// <exception cref="QcqaException">QCQA013 when the JSON is invalid, inconsistent or names an unsupported architecture.</exception>
    public static ModelConfig Parse(ReadOnlySpan<byte> utf8, string path)
        => Parse(JsonInput.Parse(utf8, path, ErrorCodes.BadModelConfig, "config.json"), path);

    private static ModelConfig Parse(JsonInputNode root, string path)
    {
        if (!root.IsObject)
            throw root.Error(ErrorCodes.BadModelConfig, $"config.json must hold a JSON object, not {root.Describe()}.", path);

        QcqaException Bad(string key, string message)
        {
            var property = root.Property(key);
            return new QcqaException(ErrorCodes.BadModelConfig, message, path, property?.Line ?? 0, property?.Column ?? 0);
        }

        int? Integer(string key, bool required)
        {
            var node = root[key];
            if (node is null || (!required && node.Kind == JsonInputKind.Null))
                return required ? throw new QcqaException(ErrorCodes.BadModelConfig, $"config.json has no \"{key}\" (a positive integer).", path) : null;
            if (!node.TryGetInt32(out var n) || n <= 0)
                throw Bad(key, $"\"{key}\" must be a positive integer, found {node.Describe()}.");
            return n;
        }

        string? modelType = null;
        if (root["model_type"] is { } typeNode && typeNode.Kind != JsonInputKind.Null && !typeNode.TryGetString(out modelType!))
            throw Bad("model_type", $"\"model_type\" must be a string, found {typeNode.Describe()}.");
        var architectures = ReadArchitectures(root, path);
        if (!ModelFamilies.TryFind(architectures, modelType, out var family))
        {
            var named = architectures.Count > 0 ? $"architecture {string.Join(", ", architectures.Select(a => $"'{a}'"))}" : $"model_type '{modelType}'";
            throw Bad(architectures.Count > 0 ? "architectures" : "model_type",
                $"The model's {named} is not supported. QcqaBuild reads these architectures: {ModelFamilies.Supported}.");
        }

        var heads = Integer("num_attention_heads", true)!.Value;
        var hidden = Integer("hidden_size", true)!.Value;
        var layers = Integer("num_hidden_layers", true)!.Value;
        var declaredKv = Integer("num_key_value_heads", false);
        var hasBlock = root[QcqaConfigBlock.PropertyName] is not null;
        // A family without a KV-head count (GPT-NeoX) gives every query head its own K/V rows; a count that says
        // otherwise would make QcqaBuild read another model than the family's own loader runs.
        if (!family.HasKeyValueHeadCount && declaredKv is { } stray && stray != heads && !hasBlock)
            throw Bad("num_key_value_heads", $"\"num_key_value_heads\" ({stray}) does not apply to {family.Name} models, whose loader gives every query head its own key and value heads.");
        var kvHeads = declaredKv ?? heads;
        // With per-layer maps num_key_value_heads is the largest layer's count and need not divide the heads.
        if (heads % kvHeads != 0 && !hasBlock)
            throw Bad("num_key_value_heads", $"num_attention_heads ({heads}) is not divisible by num_key_value_heads ({kvHeads}).");
        if (kvHeads > heads)
            throw Bad("num_key_value_heads", $"num_key_value_heads ({kvHeads}) is larger than num_attention_heads ({heads}).");
        var headDim = Integer("head_dim", false);
        if (headDim is null && hidden % heads != 0)
            throw Bad("hidden_size", $"hidden_size ({hidden}) is not divisible by num_attention_heads ({heads}) and there is no \"head_dim\".");

        QcqaConfigBlock? qcqa = null;
        if (root.Property(QcqaConfigBlock.PropertyName) is { } blockProperty)
        {
            qcqa = QcqaConfigBlock.Parse(blockProperty.Value, heads, layers, path);
            var widest = qcqa.Layers.Max(l => l.NumKeyValueHeads);
            // Families without the key (GPT-NeoX) take the count from the block.
            if (declaredKv is null && !family.HasKeyValueHeadCount) kvHeads = widest;
            if (widest != kvHeads)
                throw Bad("num_key_value_heads", $"num_key_value_heads ({kvHeads}) must equal the largest per-layer count in the \"qcqa\" block ({widest}).");
            if (qcqa.Form == QcqaConfigBlock.GqaForm && !qcqa.IsStandardGqa(kvHeads))
                throw new QcqaException(ErrorCodes.BadModelConfig,
                    "The \"qcqa\" block says form \"gqa\" but its layers do not all use the standard map (query head h reads KV head h / (H / num_key_value_heads)).",
                    path, blockProperty.Line, blockProperty.Column);
        }

        return new ModelConfig(path, (JsonObject)root.ToJsonNode()!, heads, kvHeads, declaredKv is not null, hidden, headDim ?? hidden / heads, layers, modelType,
            architectures, family, qcqa);
    }

    // "architectures": a list of strings; null or absent means none.
    private static IReadOnlyList<string> ReadArchitectures(JsonInputNode root, string path)
    {
        var node = root["architectures"];
        if (node is null || node.Kind == JsonInputKind.Null) return [];
        if (!node.IsArray)
            throw node.Error(ErrorCodes.BadModelConfig, $"\"architectures\" must be a list of strings, found {node.Describe()}.", path);
        var names = new List<string>();
        foreach (var item in node.Items)
        {
            if (!item.TryGetString(out var name))
                throw item.Error(ErrorCodes.BadModelConfig, $"\"architectures\" must be a list of strings, found {item.Describe()}.", path);
            names.Add(name);
        }
        return names;
    }
}

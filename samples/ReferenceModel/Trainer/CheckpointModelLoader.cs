using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.ReferenceModel;

/// <summary>
/// Loads a Hugging Face Llama folder (opened and validated by Qcqa.Core's <see cref="Checkpoint"/>) into a float32
/// <see cref="LlamaModel"/>. Stored BF16/F16 values are widened to float32 exactly, so the model computes with the
/// weights as shipped. A <c>qcqa</c> per-layer block becomes per-layer <see cref="AttentionLayout"/>s, so compressed
/// variants load the same way.
/// </summary>
public static class CheckpointModelLoader
{
    /// <summary>Loads the model in <paramref name="folder"/>.</summary>
    /// <param name="folder">A folder with <c>config.json</c> and <c>model.safetensors</c> (or shards).</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <exception cref="QcqaException">The folder is not a valid Llama checkpoint (codes as <see cref="Checkpoint.Open"/> and <see cref="LlamaModel.FromWeights"/>).</exception>
    public static LlamaModel Load(string folder, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        using var checkpoint = Checkpoint.Open(folder);
        var config = ConfigOf(checkpoint.Config);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var tensor in checkpoint.Tensors)
            {
                var values = tensor.ReadAllSingles();
                weights[tensor.Name] = torch.tensor(values, tensor.Shape.ToArray(), ScalarType.Float32);
            }
            return LlamaModel.FromWeights(config, weights, device);
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
    }

    /// <summary>The <see cref="LlamaConfig"/> a validated <c>config.json</c> describes.</summary>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.BadModelConfig"/> for missing sizes or an unsupported <c>rope_scaling</c>.</exception>
    public static LlamaConfig ConfigOf(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var json = config.ToJsonObject();
        if (json["rope_scaling"] is JsonObject)
            throw new QcqaException(ErrorCodes.BadModelConfig, "rope_scaling is not supported by the reference Llama.", config.Path);
        IReadOnlyList<AttentionLayout>? layouts = config.IsStandardLayout
            ? null
            : Enumerable.Range(0, config.NumHiddenLayers)
                .Select(l => AttentionLayout.FromMap(config.LayerMap(l).QueryToKv, config.LayerMap(l).NumKeyValueHeads))
                .ToArray();
        return new LlamaConfig
        {
            VocabSize = Integer(json, "vocab_size", config.Path),
            HiddenSize = config.HiddenSize,
            IntermediateSize = Integer(json, "intermediate_size", config.Path),
            NumHiddenLayers = config.NumHiddenLayers,
            NumAttentionHeads = config.NumAttentionHeads,
            NumKeyValueHeads = config.NumKeyValueHeads,
            HeadDim = config.HeadDim,
            RmsNormEps = Number(json, "rms_norm_eps", 1e-6),
            RopeTheta = Number(json, "rope_theta", 10000.0),
            MaxPositionEmbeddings = json["max_position_embeddings"] is null ? 2048 : Integer(json, "max_position_embeddings", config.Path),
            TieWordEmbeddings = Flag(json, "tie_word_embeddings", false),
            AttentionBias = Flag(json, "attention_bias", false),
            LayerLayouts = layouts,
        };
    }

    private static int Integer(JsonObject json, string key, string path)
        => json[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) && n > 0
            ? n
            : throw new QcqaException(ErrorCodes.BadModelConfig, $"config.json needs \"{key}\" as a positive integer.", path);

    private static double Number(JsonObject json, string key, double fallback)
        => json[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : fallback;

    private static bool Flag(JsonObject json, string key, bool fallback)
        => json[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : fallback;
}

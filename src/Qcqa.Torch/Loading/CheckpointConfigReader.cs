using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Loading;

/// <summary>Turns a checkpoint's <c>config.json</c> (and which bias tensors it stores) into a <see cref="LlamaConfig"/>.</summary>
/// <remarks>
/// Defaults follow Transformers' <c>LlamaConfig</c> where a key is absent (<c>rms_norm_eps</c> 1e-6,
/// <c>rope_theta</c> 10000, <c>max_position_embeddings</c> 2048, untied embeddings, no biases). Biases are taken from
/// the tensors as well as the flag: Qwen2-style checkpoints store q/k/v biases without <c>attention_bias</c>, and an
/// <c>o_proj.bias</c> is loaded exactly when the checkpoint has one.
/// </remarks>
internal static class CheckpointConfigReader
{
    /// <summary>Reads the architecture of <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="ignoreQcqaBlock">Use <c>num_key_value_heads</c> for every layer even when a <c>qcqa</c> block is present.</param>
    /// <exception cref="QcqaException">QCQA013 naming <c>config.json</c> for a missing, malformed or unsupported setting.</exception>
    public static LlamaConfig Read(Checkpoint checkpoint, bool ignoreQcqaBlock)
    {
        var model = checkpoint.Config;
        var json = model.ToJsonObject();
        var path = model.Path;

        Unsupported(json, path);
        var config = new LlamaConfig
        {
            VocabSize = PositiveInteger(json, "vocab_size", path) ?? throw Missing("vocab_size", path),
            HiddenSize = model.HiddenSize,
            IntermediateSize = PositiveInteger(json, "intermediate_size", path) ?? throw Missing("intermediate_size", path),
            NumHiddenLayers = model.NumHiddenLayers,
            NumAttentionHeads = model.NumAttentionHeads,
            NumKeyValueHeads = model.NumKeyValueHeads,
            HeadDim = model.HeadDim,
            RmsNormEps = PositiveNumber(json, "rms_norm_eps", path) ?? 1e-6,
            RopeTheta = PositiveNumber(json, "rope_theta", path) ?? 10000.0,
            MaxPositionEmbeddings = PositiveInteger(json, "max_position_embeddings", path) ?? 2048,
            TieWordEmbeddings = Boolean(json, "tie_word_embeddings", path) ?? false,
            AttentionBias = (Boolean(json, "attention_bias", path) ?? false) || checkpoint.Attention(0).QueryBias is not null,
            OutputProjectionBias = checkpoint.TryGetTensor(LlamaTensorNames.OutputBias(0), out _),
            LayerLayouts = ignoreQcqaBlock || model.Qcqa is null
                ? null
                : model.Qcqa.Layers.Select(l => AttentionLayout.FromMap(l.QueryToKv, l.NumKeyValueHeads)).ToArray(),
        };
        try
        {
            config.Validate();
        }
        catch (QcqaException e) when (e.File is null)
        {
            throw new QcqaException(e.Code, e.Message, path, inner: e);
        }
        return config;
    }

    // Settings the reference model does not implement: running anyway would give silently wrong numbers.
    private static void Unsupported(JsonObject json, string path)
    {
        if (json["rope_scaling"] is { } scaling)
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"\"rope_scaling\" ({scaling.ToJsonString()}) is not supported by QcqaBuild's runtime; only plain RoPE is.", path);
        if (Boolean(json, "mlp_bias", path) == true)
            throw new QcqaException(ErrorCodes.BadModelConfig, "\"mlp_bias\": true is not supported by QcqaBuild's runtime.", path);
        if (json["hidden_act"] is { } act && (act is not JsonValue v || !v.TryGetValue<string>(out var name) || name != "silu"))
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"\"hidden_act\" is {act.ToJsonString()}; QcqaBuild's runtime implements Llama's \"silu\" only.", path);
    }

    private static int? PositiveInteger(JsonObject json, string key, string path)
    {
        var node = json[key];
        if (node is null) return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var n) && n > 0) return n;
        throw new QcqaException(ErrorCodes.BadModelConfig, $"\"{key}\" must be a positive integer, found {node.ToJsonString()}.", path);
    }

    private static double? PositiveNumber(JsonObject json, string key, string path)
    {
        var node = json[key];
        if (node is null) return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var x) && double.IsFinite(x) && x > 0) return x;
        throw new QcqaException(ErrorCodes.BadModelConfig, $"\"{key}\" must be a positive number, found {node.ToJsonString()}.", path);
    }

    private static bool? Boolean(JsonObject json, string key, string path)
    {
        var node = json[key];
        if (node is null) return null;
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return value.GetValue<bool>();
        throw new QcqaException(ErrorCodes.BadModelConfig, $"\"{key}\" must be true or false, found {node.ToJsonString()}.", path);
    }

    private static QcqaException Missing(string key, string path)
        => new(ErrorCodes.BadModelConfig, $"config.json has no \"{key}\", which the model needs to run.", path);
}

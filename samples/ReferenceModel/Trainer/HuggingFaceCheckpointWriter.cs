using System.Text.Json.Nodes;
using Qcqa.Core;
using Qcqa.Core.Checkpoints;
using Qcqa.Torch.Llama;
using static TorchSharp.torch;

namespace Qcqa.ReferenceModel;

/// <summary>
/// Writes a <see cref="LlamaModel"/> as a Hugging Face model folder: <c>config.json</c> and one
/// <c>model.safetensors</c> whose tensors are rounded from float32 once (to nearest, ties to even) by Qcqa.Core's
/// <see cref="SafetensorsWriter"/>. Each file is written to a temporary name and renamed.
/// </summary>
public static class HuggingFaceCheckpointWriter
{
    /// <summary>Writes the folder (created when missing; the two files are replaced).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="model">The model; its parameters are copied, not changed.</param>
    /// <param name="dtype"><see cref="SafetensorsDtype.BF16"/>, <see cref="SafetensorsDtype.F16"/> or <see cref="SafetensorsDtype.F32"/>.</param>
    public static void Write(string folder, LlamaModel model, SafetensorsDtype dtype)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(model);
        if (dtype is not (SafetensorsDtype.BF16 or SafetensorsDtype.F16 or SafetensorsDtype.F32))
            throw new ArgumentException($"Unsupported dtype {dtype.Name()}.", nameof(dtype));
        Directory.CreateDirectory(folder);

        var shapes = LlamaWeightShapes.Expected(model.Config);
        var weights = model.ExportWeights();
        try
        {
            var declarations = shapes.Select(s => new TensorDeclaration(s.Key, dtype, s.Value)).ToList();
            var metadata = new Dictionary<string, string> { ["format"] = "pt" };
            AtomicFile.Write(Path.Combine(folder, Checkpoint.SingleFileName), stream =>
            {
                using var writer = new SafetensorsWriter(stream, declarations, metadata, leaveOpen: true);
                foreach (var (name, _) in shapes)
                    writer.WriteSingles(weights[name].contiguous().data<float>().ToArray());
                writer.Complete();
            });
        }
        finally
        {
            foreach (var tensor in weights.Values) tensor.Dispose();
        }
        AtomicFile.WriteAllText(Path.Combine(folder, ModelConfig.FileName), ModelConfig.Serialize(ConfigJson(model.Config, dtype)));
    }

    /// <summary>The <c>config.json</c> of a standard (non-QCQA) Llama model in Transformers' field names.</summary>
    public static JsonObject ConfigJson(LlamaConfig config, SafetensorsDtype dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.LayerLayouts is not null)
            throw new ArgumentException("Per-layer attention layouts are written by the merger, not by this writer.", nameof(config));
        return new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads ?? config.NumAttentionHeads,
            ["head_dim"] = config.ResolvedHeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["rope_scaling"] = null,
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["attention_bias"] = config.AttentionBias,
            ["attention_dropout"] = 0.0,
            ["mlp_bias"] = false,
            ["initializer_range"] = LlamaModel.InitStd,
            ["use_cache"] = true,
            ["torch_dtype"] = dtype switch
            {
                SafetensorsDtype.BF16 => "bfloat16",
                SafetensorsDtype.F16 => "float16",
                _ => "float32",
            },
        };
    }
}

using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Loading;

/// <summary>Matches a checkpoint's tensors to the parameters a config needs, with errors that name the files.</summary>
internal static class CheckpointSources
{
    /// <summary>One source per parameter of <paramref name="config"/>, each a checkpoint tensor.</summary>
    /// <exception cref="QcqaException">
    /// QCQA012 for a missing tensor, QCQA014 for a wrong shape, QCQA011 for a non-float dtype, QCQA013 for a tensor
    /// the config does not describe.
    /// </exception>
    public static Dictionary<string, WeightSource> Map(Checkpoint checkpoint, LlamaConfig config)
    {
        var sources = new Dictionary<string, WeightSource>(StringComparer.Ordinal);
        foreach (var (name, shape) in LlamaWeightShapes.Expected(config))
        {
            if (!checkpoint.TryGetTensor(name, out var tensor))
                throw new QcqaException(ErrorCodes.MissingTensor,
                    $"The checkpoint has no tensor '{name}', which the model needs (shape {LlamaWeightShapes.Format(shape)}).", checkpoint.WeightsPath);
            if (!TensorInfo.ShapesEqual(tensor.Shape, shape))
                throw new QcqaException(ErrorCodes.ShapeMismatch,
                    $"Tensor '{name}' has shape {TensorInfo.FormatShape(tensor.Shape)} but config.json implies {LlamaWeightShapes.Format(shape)}.", tensor.File.Path);
            if (!tensor.Dtype.IsConvertible())
                throw new QcqaException(ErrorCodes.UnsupportedDtype,
                    $"Tensor '{name}' has dtype {tensor.Dtype.Name()}; model weights must be F32, F16, BF16 or F64.", tensor.File.Path);
            sources[name] = WeightSource.FromTensor(tensor);
        }

        foreach (var tensor in checkpoint.Tensors)
        {
            if (sources.ContainsKey(tensor.Name) || Ignorable(tensor.Name, config)) continue;
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"Tensor '{tensor.Name}' is not part of a Llama model with this config ({config.NumHiddenLayers} layers, " +
                $"attention_bias={Flag(config.AttentionBias)}, tie_word_embeddings={Flag(config.TieWordEmbeddings)}); QcqaBuild's runtime cannot run it.",
                tensor.File.Path);
        }
        return sources;
    }

    // Older checkpoints store the RoPE table (derived from the config); with tied embeddings a stored lm_head is the
    // embedding again, which Transformers ignores as well.
    private static bool Ignorable(string name, LlamaConfig config)
        => name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
           || (config.TieWordEmbeddings && name == LlamaTensorNames.LmHead);

    private static string Flag(bool value) => value ? "true" : "false";
}

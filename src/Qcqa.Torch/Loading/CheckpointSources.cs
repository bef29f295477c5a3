using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Families;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Loading;

/// <summary>
/// Matches a checkpoint's tensors to the parameters a config needs, with errors that name the files: the attention's
/// Q/K/V/O from <see cref="Checkpoint.Attention"/> (rows of a fused tensor for Phi-3 and GPT-NeoX), everything else
/// through the family's <see cref="DecoderArchitecture.Weights"/>.
/// </summary>
internal static class CheckpointSources
{
    /// <summary>One source per parameter of <paramref name="config"/>.</summary>
    /// <exception cref="QcqaException">
    /// QCQA012 for a missing tensor, QCQA014 for a wrong shape, QCQA011 for a non-float dtype, QCQA013 for a tensor
    /// the config does not describe.
    /// </exception>
    public static Dictionary<string, WeightSource> Map(Checkpoint checkpoint, LlamaConfig config)
    {
        var decoder = checkpoint.Family.Decoder(checkpoint);
        var attention = AttentionSources(checkpoint, config);
        var sources = new Dictionary<string, WeightSource>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape) in LlamaWeightShapes.Expected(config))
        {
            if (attention.TryGetValue(name, out var rows))
            {
                if (rows is null)
                    throw new QcqaException(ErrorCodes.MissingTensor,
                        $"The checkpoint has no bias for '{name}', which the model needs (config.json says the attention has biases).", checkpoint.WeightsPath);
                CheckShape(name, rows.Shape, shape, rows.Tensor);
                sources[name] = new WeightSource(name, rows.ReadSingles);
                used.Add(rows.Name);
                continue;
            }
            var stored = decoder.Weights.TryGetValue(name, out var located) ? located : TensorRows.Whole(name);
            if (!checkpoint.TryGetTensor(stored.Name, out var tensor))
                throw new QcqaException(ErrorCodes.MissingTensor,
                    $"The checkpoint has no tensor '{stored.Name}', which the model needs (shape {LlamaWeightShapes.Format(shape)}).", checkpoint.WeightsPath);
            sources[name] = Rows(name, stored, tensor, shape);
            used.Add(tensor.Name);
        }

        foreach (var tensor in checkpoint.Tensors)
        {
            if (used.Contains(tensor.Name) || decoder.Ignorable(tensor.Name)) continue;
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"Tensor '{tensor.Name}' is not part of a {checkpoint.Family.Name} model with this config ({config.NumHiddenLayers} layers, " +
                $"attention_bias={Flag(config.AttentionBias)}, tie_word_embeddings={Flag(config.TieWordEmbeddings)}); QcqaBuild's runtime cannot run it.",
                tensor.File.Path);
        }
        return sources;
    }

    // The runtime's attention parameters as rows of the checkpoint's (possibly fused) tensors; null for a bias the
    // config expects but the checkpoint lacks.
    private static Dictionary<string, ProjectionRows?> AttentionSources(Checkpoint checkpoint, LlamaConfig config)
    {
        var sources = new Dictionary<string, ProjectionRows?>(StringComparer.Ordinal);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var a = checkpoint.Attention(layer);
            sources[LlamaTensorNames.QueryWeight(layer)] = a.Query;
            sources[LlamaTensorNames.KeyWeight(layer)] = a.Key;
            sources[LlamaTensorNames.ValueWeight(layer)] = a.Value;
            sources[LlamaTensorNames.OutputWeight(layer)] = new ProjectionRows(a.Output, [0], checked((int)a.Output.Shape[0]));
            if (!config.AttentionBias) continue;
            sources[LlamaTensorNames.QueryBias(layer)] = a.QueryBias;
            sources[LlamaTensorNames.KeyBias(layer)] = a.KeyBias;
            sources[LlamaTensorNames.ValueBias(layer)] = a.ValueBias;
        }
        return sources;
    }

    private static WeightSource Rows(string name, TensorRows stored, CheckpointTensor tensor, long[] shape)
    {
        var rows = stored.Rows ?? (tensor.Shape.Count == 0 ? 1 : tensor.Shape[0] - stored.FirstRow);
        var actual = tensor.Shape.Count == 0 ? [] : new[] { rows }.Concat(tensor.Shape.Skip(1)).ToArray();
        if (stored.FirstRow < 0 || (tensor.Shape.Count > 0 && stored.FirstRow + rows > tensor.Shape[0]))
            throw new QcqaException(ErrorCodes.ShapeMismatch,
                $"Tensor '{tensor.Name}' has shape {TensorInfo.FormatShape(tensor.Shape)}; config.json implies rows [{stored.FirstRow}, {stored.FirstRow + rows}) of it are '{name}'.", tensor.File.Path);
        CheckShape(name, actual, shape, tensor);
        var offset = tensor.Shape.Count == 0 ? 0 : stored.FirstRow * TensorInfo.ElementCountOf(tensor.Shape.Skip(1).ToArray());
        return new WeightSource(name, (start, destination) => tensor.ReadSingles(offset + start, destination));
    }

    private static void CheckShape(string name, IReadOnlyList<long> actual, long[] expected, CheckpointTensor tensor)
    {
        if (!TensorInfo.ShapesEqual(actual, expected))
        {
            var what = tensor.Name == name ? $"Tensor '{name}'" : $"'{name}' (in tensor '{tensor.Name}')";
            throw new QcqaException(ErrorCodes.ShapeMismatch,
                $"{what} has shape {TensorInfo.FormatShape(actual)} but config.json implies {LlamaWeightShapes.Format(expected)}.", tensor.File.Path);
        }
        if (!tensor.Dtype.IsConvertible())
            throw new QcqaException(ErrorCodes.UnsupportedDtype,
                $"Tensor '{tensor.Name}' has dtype {tensor.Dtype.Name()}; model weights must be F32, F16, BF16 or F64.", tensor.File.Path);
    }

    private static string Flag(bool value) => value ? "true" : "false";
}

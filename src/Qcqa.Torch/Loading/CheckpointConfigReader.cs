using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Loading;

/// <summary>
/// Turns a checkpoint's <c>config.json</c> into a <see cref="LlamaConfig"/>: the attention geometry from
/// <see cref="ModelConfig"/>, the rest from the family's <see cref="Core.Families.IModelFamily.Decoder"/> (its keys,
/// its defaults, the settings it refuses).
/// </summary>
internal static class CheckpointConfigReader
{
    /// <summary>Reads the architecture of <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="ignoreQcqaBlock">Use <c>num_key_value_heads</c> for every layer even when a <c>qcqa</c> block is present.</param>
    /// <exception cref="QcqaException">QCQA013 naming <c>config.json</c> for a missing, malformed or unsupported setting.</exception>
    public static LlamaConfig Read(Checkpoint checkpoint, bool ignoreQcqaBlock)
    {
        var model = checkpoint.Config;
        var path = model.Path;
        var decoder = checkpoint.Family.Decoder(checkpoint);
        var config = new LlamaConfig
        {
            VocabSize = decoder.VocabSize,
            HiddenSize = model.HiddenSize,
            IntermediateSize = decoder.IntermediateSize,
            NumHiddenLayers = model.NumHiddenLayers,
            NumAttentionHeads = model.NumAttentionHeads,
            NumKeyValueHeads = model.NumKeyValueHeads,
            HeadDim = model.HeadDim,
            RmsNormEps = decoder.NormEpsilon,
            Norm = decoder.Norm,
            Mlp = decoder.Mlp,
            ParallelResidual = decoder.ParallelResidual,
            RopeTheta = decoder.RopeTheta,
            RotaryDimensions = decoder.RotaryDimensions == model.HeadDim ? null : decoder.RotaryDimensions,
            SlidingWindow = decoder.SlidingWindow,
            MaxPositionEmbeddings = decoder.MaxPositionEmbeddings,
            TieWordEmbeddings = decoder.TieWordEmbeddings,
            AttentionBias = decoder.QkvBias,
            OutputProjectionBias = decoder.OutputBias,
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
}

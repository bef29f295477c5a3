using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Wse;

namespace Qcqa.Core.Inspection;

/// <summary>Summarises a checkpoint: shapes, sizes, and how much plain GQA at 50 % would cost each layer.</summary>
public static class ModelInspector
{
    /// <summary>Inspects an open checkpoint (one pass over the K/V weights for the per-layer WSE).</summary>
    public static ModelInspection Inspect(Checkpoint checkpoint)
    {
        var config = checkpoint.Config;
        var layers = new LayerInspection[checkpoint.LayerCount];
        for (var l = 0; l < layers.Length; l++)
        {
            var units = config.KeyValueHeads(l);
            int? half = units % 2 == 0 ? units / 2 : null;
            double? relative = null;
            if (half is { } g)
            {
                var gram = CheckpointGram.Compute(checkpoint, l);
                relative = WseCalculator.Relative(WseCalculator.FromGram(gram, LayerGrouping.Gqa(units, g)), gram);
            }
            layers[l] = new LayerInspection(l, config.NumAttentionHeads, units, half, relative);
        }
        return new ModelInspection(
            checkpoint.Folder,
            config.ModelType,
            checkpoint.LayerCount,
            config.NumAttentionHeads,
            config.NumKeyValueHeads,
            config.HeadDim,
            config.HiddenSize,
            checkpoint.Attention(0).Key.Dtype.Name(),
            checkpoint.ParameterCount,
            checkpoint.KvCacheBytesPerToken,
            layers);
    }
}

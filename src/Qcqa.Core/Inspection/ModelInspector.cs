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
        // Every layer's K/V read once, overlapped with the Gram computation on every core.
        var layers = LayerKvReader.Compute(checkpoint, Environment.ProcessorCount, kv =>
        {
            var units = kv.Heads;
            int? half = units % 2 == 0 ? units / 2 : null;
            double? relative = null;
            if (half is { } g)
            {
                var gram = CheckpointGram.Compute(kv);
                relative = WseCalculator.Relative(WseCalculator.FromGram(gram, LayerGrouping.Gqa(units, g)), gram);
            }
            return new LayerInspection(kv.Layer, config.NumAttentionHeads, units, half, relative);
        });
        return new ModelInspection(
            checkpoint.Folder,
            config.ModelType,
            checkpoint.Family.Name,
            checkpoint.Family.Description,
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

using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Wse;

/// <summary>Fills in the WSE of every layer of a grouping from a model's Gram matrices.</summary>
public static class GroupingEvaluator
{
    /// <summary>The KV units per layer of a checkpoint: what a grouping of it must partition.</summary>
    public static int[] UnitsPerLayer(Checkpoint checkpoint)
        => Enumerable.Range(0, checkpoint.LayerCount).Select(checkpoint.Config.KeyValueHeads).ToArray();

    /// <summary>Evaluates <paramref name="grouping"/> on the layers' Gram matrices.</summary>
    /// <param name="grouping">One entry per layer.</param>
    /// <param name="grams">The Gram matrix of each layer.</param>
    /// <param name="groupingPath">The grouping file, for error messages.</param>
    /// <exception cref="QcqaException">QCQA020 when a layer's grouping does not cover the layer's KV units.</exception>
    public static ModelGrouping Evaluate(ModelGrouping grouping, IReadOnlyList<GramMatrix> grams, string? groupingPath = null)
    {
        if (grouping.Layers.Count != grams.Count)
            throw new QcqaException(ErrorCodes.BadGrouping, $"The grouping has {grouping.Layers.Count} layers but the model has {grams.Count}.", groupingPath);
        var entries = grouping.Layers.Select(layer =>
        {
            var gram = grams[layer.Index];
            if (gram.Size != layer.Grouping.HeadCount)
                throw new QcqaException(ErrorCodes.BadGrouping, $"Layer {layer.Index} groups {layer.Grouping.HeadCount} heads but the model's layer has {gram.Size} KV heads.", groupingPath);
            var wse = WseCalculator.FromGram(gram, layer.Grouping);
            return layer with { Wse = wse, WseRelative = WseCalculator.Relative(wse, gram) };
        }).ToArray();
        return new ModelGrouping(grouping.Mode, entries);
    }

    /// <summary>
    /// Computes every layer's Gram matrix of a checkpoint: the layers' K/V bytes are read once, in order, overlapped
    /// with the computation on <paramref name="threads"/> workers (see <see cref="LayerKvReader"/>).
    /// </summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="threads">Layers computed at once (default: the processor count); the result does not depend on it.</param>
    /// <param name="cancellation">Stops between layers.</param>
    /// <param name="timings">Receives where the time went (may be null).</param>
    public static GramMatrix[] ComputeGrams(Checkpoint checkpoint, int? threads = null, CancellationToken cancellation = default, LayerKvTimings? timings = null)
        => LayerKvReader.Compute(checkpoint, threads ?? Environment.ProcessorCount, kv => CheckpointGram.Compute(kv), cancellation, timings);
}

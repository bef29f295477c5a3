using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Wse;

/// <summary>Fills in the WSE of every layer of a grouping from a model's Gram matrices.</summary>
public static class GroupingEvaluator
{
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
}

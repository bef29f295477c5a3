namespace Qcqa.Core.Grouping;

/// <summary>
/// The grouping of every attention layer of a model, with the mode that produced it and, when known, each
/// layer's WSE. The unit of exchange between search, merge and the grouping file.
/// </summary>
public sealed class ModelGrouping
{
    /// <summary>Creates a model grouping.</summary>
    /// <param name="mode">What produced it: one of <see cref="GroupingModes.All"/> (it is copied into compressed checkpoints).</param>
    /// <param name="layers">One entry per layer, in layer order (index i at position i).</param>
    public ModelGrouping(string mode, IReadOnlyList<LayerGroupingEntry> layers)
    {
        Mode = Preconditions.CheckNotNull(mode);
        Preconditions.CheckArgument(GroupingModes.IsKnown(mode), $"Unknown grouping mode '{mode}'; use one of {string.Join(", ", GroupingModes.All)}.");
        Layers = Preconditions.CheckNotNull(layers);
        for (var i = 0; i < layers.Count; i++)
            Preconditions.CheckArgument(layers[i].Index == i, $"Layer entries must be in order; position {i} holds layer {layers[i].Index}.");
    }

    /// <summary>What produced the grouping.</summary>
    public string Mode { get; }

    /// <summary>Per-layer groupings in layer order.</summary>
    public IReadOnlyList<LayerGroupingEntry> Layers { get; }

    /// <summary>Σ_l G_l: the KV heads kept, proportional to the KV-cache size.</summary>
    public int KvHeadsTotal => Layers.Sum(l => l.Grouping.GroupCount);

    /// <summary>Σ_l H_l: the KV heads of the input model.</summary>
    public int HeadsTotal => Layers.Sum(l => l.Grouping.HeadCount);

    /// <summary>Σ_l WSE_l, or null when some layer has no WSE recorded.</summary>
    public double? WseTotal => Layers.All(l => l.Wse.HasValue) ? Layers.Sum(l => l.Wse!.Value) : null;

    /// <summary>
    /// True when every layer has equal-size groups and all layers keep the same number of KV heads: the merged
    /// checkpoint can then be a standard GQA checkpoint that stock loaders run.
    /// </summary>
    public bool IsUniformEqualCardinality =>
        Layers.All(l => l.Grouping.IsEqualCardinality) && Layers.Select(l => l.Grouping.GroupCount).Distinct().Count() == 1;

    /// <summary>The same grouping for every one of <paramref name="layerCount"/> layers.</summary>
    public static ModelGrouping Uniform(string mode, int layerCount, LayerGrouping grouping)
        => new(mode, Enumerable.Range(0, layerCount).Select(i => new LayerGroupingEntry(i, grouping)).ToArray());
}

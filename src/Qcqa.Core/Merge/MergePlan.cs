using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Merge;

/// <summary>The whole rewrite of a checkpoint for a grouping: the output form and one plan per layer.</summary>
internal sealed class MergePlan
{
    private MergePlan(MergeForm form, GroupingMode mode, LayerMergePlan[] layers)
    {
        Form = form;
        Mode = mode;
        Layers = layers;
    }

    /// <summary>Standard GQA or per-layer maps.</summary>
    internal MergeForm Form { get; }

    /// <summary>The grouping's mode, recorded in the config.</summary>
    internal GroupingMode Mode { get; }

    /// <summary>One plan per layer, in layer order.</summary>
    internal IReadOnlyList<LayerMergePlan> Layers { get; }

    /// <summary>The <c>num_key_value_heads</c> the output config declares: G, or the largest G_l.</summary>
    internal int DeclaredKeyValueHeads => Layers.Max(l => l.OutputMap.NumKeyValueHeads);

    /// <summary>The config block describing the output.</summary>
    internal QcqaConfigBlock ConfigBlock => new(
        Form == MergeForm.StandardGqa ? QcqaConfigBlock.GqaForm : QcqaConfigBlock.PerLayerMapForm,
        Mode,
        Layers.Select(l => l.OutputMap).ToArray());

    /// <summary>Checks that the grouping fits the checkpoint and plans every layer.</summary>
    /// <exception cref="QcqaException">QCQA020 when the grouping's layers or KV units do not match the model.</exception>
    internal static MergePlan Create(Checkpoint checkpoint, ModelGrouping grouping, string? groupingPath)
    {
        var config = checkpoint.Config;
        var file = groupingPath;
        if (grouping.Layers.Count != config.NumHiddenLayers)
            throw new QcqaException(ErrorCodes.BadGrouping, $"The grouping has {grouping.Layers.Count} layers but the model has {config.NumHiddenLayers}.", file);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var units = config.KeyValueHeads(layer);
            var heads = grouping.Layers[layer].Grouping.HeadCount;
            if (heads != units)
                throw new QcqaException(ErrorCodes.BadGrouping,
                    $"Layer {layer}: the grouping partitions {heads} KV heads but the model's layer has {units} (the units a grouping works on are the model's KV heads).", file);
        }

        // A standard GQA output needs equal groups, the same G everywhere, input KV heads that each serve the same
        // number of query heads (always so unless the input itself has per-layer maps), and a family whose config
        // has num_key_value_heads (GPT-NeoX's has none: its output always carries the per-layer map).
        var uniformUnits = Enumerable.Range(0, config.NumHiddenLayers)
            .All(l => config.LayerMap(l).QueryHeadsByKv().Select(q => q.Count).Distinct().Count() == 1);
        var form = grouping.IsUniformEqualCardinality && uniformUnits && checkpoint.Family.HasKeyValueHeadCount ? MergeForm.StandardGqa : MergeForm.PerLayerMap;

        var layers = new LayerMergePlan[config.NumHiddenLayers];
        for (var layer = 0; layer < layers.Length; layer++)
            layers[layer] = form == MergeForm.StandardGqa
                ? PlanGqaLayer(layer, grouping.Layers[layer].Grouping, config.LayerMap(layer))
                : PlanMappedLayer(layer, grouping.Layers[layer].Grouping, config.LayerMap(layer));
        return new MergePlan(form, grouping.Mode, layers);
    }

    // π lists query heads group by group (groups in canonical order, units ascending within a group, each unit's
    // query heads ascending), so output query head p reads KV head p / (H / G) as repeat_kv expects.
    private static LayerMergePlan PlanGqaLayer(int layer, LayerGrouping grouping, QcqaLayerMap input)
    {
        var queriesOfUnit = input.QueryHeadsByKv();
        var order = grouping.Groups.SelectMany(group => group.SelectMany(unit => queriesOfUnit[unit])).ToArray();
        return new LayerMergePlan(layer, grouping, order, QcqaLayerMap.Standard(order.Length, grouping.GroupCount));
    }

    // Query heads stay where they are; each reads the merged head of the group its input KV head joined.
    private static LayerMergePlan PlanMappedLayer(int layer, LayerGrouping grouping, QcqaLayerMap input)
    {
        var identity = Enumerable.Range(0, input.QueryToKv.Count).ToArray();
        var map = input.QueryToKv.Select(grouping.GroupOf).ToArray();
        return new LayerMergePlan(layer, grouping, identity, new QcqaLayerMap(grouping.GroupCount, map));
    }
}

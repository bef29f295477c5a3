using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Runtime;
using static TorchSharp.torch;

namespace Qcqa.Torch.Loading;

/// <summary>
/// Builds a <see cref="LlamaModel"/> from an open <see cref="Checkpoint"/>: the architecture from <c>config.json</c>
/// (per-layer KV layouts from the <c>qcqa</c> block when present), the weights converted from F32, F16, BF16 or F64
/// to float32 straight from the memory mapping into the parameters. Also builds "the original model with merged
/// K/V" for a grouping in memory, without writing a checkpoint.
/// </summary>
public static class CheckpointModelLoader
{
    /// <summary>The architecture the checkpoint describes, without reading any weight or loading libtorch.</summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="options">Settings; only <see cref="CheckpointLoadOptions.IgnoreQcqaBlock"/> matters here.</param>
    /// <exception cref="QcqaException">QCQA013 naming <c>config.json</c> when a setting is missing, malformed or unsupported.</exception>
    public static LlamaConfig ReadConfig(Checkpoint checkpoint, CheckpointLoadOptions? options = null)
    {
        Preconditions.CheckNotNull(checkpoint);
        return CheckpointConfigReader.Read(checkpoint, options?.IgnoreQcqaBlock ?? false);
    }

    /// <summary>Loads the checkpoint as a float32 model.</summary>
    /// <param name="checkpoint">The open checkpoint; it may be disposed once this returns.</param>
    /// <param name="options">Device and layout settings.</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="QcqaException">
    /// QCQA013 for an unusable config or a tensor the config does not describe; QCQA012 for a missing tensor;
    /// QCQA014 for a shape the config contradicts; QCQA011 for a non-float tensor; QCQA060 when libtorch cannot load.
    /// </exception>
    public static LlamaModel Load(Checkpoint checkpoint, CheckpointLoadOptions? options = null)
    {
        var config = ReadConfig(checkpoint, options);
        return Build(config, CheckpointSources.Map(checkpoint, config), options?.Device);
    }

    /// <summary>
    /// The architecture of <see cref="LoadMerged"/>'s model: the checkpoint's, with each layer keeping one KV head per
    /// group and every query head reading the group its KV unit joined.
    /// </summary>
    /// <exception cref="QcqaException">QCQA020 when the grouping does not fit the model; as <see cref="ReadConfig"/> otherwise.</exception>
    public static LlamaConfig ReadMergedConfig(Checkpoint checkpoint, ModelGrouping grouping, CheckpointLoadOptions? options = null)
    {
        Preconditions.CheckNotNull(grouping);
        var config = ReadConfig(checkpoint, options);
        CheckGrouping(config, grouping);
        return MergedConfig(config, grouping);
    }

    /// <summary>
    /// Loads the original model with merged K/V: in every layer each group of KV units is replaced by one KV head
    /// whose K/V weights and biases are the group's mean (computed as the merge writes them, rounded to the stored
    /// dtype), and query head h reads the group of the unit it read before (for a GQA input with r query heads per
    /// KV head, unit u serves query heads [u·r, (u+1)·r)). Query heads keep their order; nothing is written.
    /// </summary>
    /// <param name="checkpoint">The open original checkpoint.</param>
    /// <param name="grouping">One grouping per layer of the checkpoint's KV heads.</param>
    /// <param name="options">Device and layout settings.</param>
    /// <returns>The merged model; the caller disposes it.</returns>
    /// <exception cref="QcqaException">QCQA020 when the grouping does not fit the model; as <see cref="Load"/> otherwise.</exception>
    public static LlamaModel LoadMerged(Checkpoint checkpoint, ModelGrouping grouping, CheckpointLoadOptions? options = null)
    {
        Preconditions.CheckNotNull(grouping);
        var config = ReadConfig(checkpoint, options);
        CheckGrouping(config, grouping);
        var sources = CheckpointSources.Map(checkpoint, config);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var groups = grouping.Layers[layer].Grouping.Groups;
            var a = checkpoint.Attention(layer);
            var parts = new (string Name, ProjectionRows? Rows)[]
            {
                (LlamaTensorNames.KeyWeight(layer), a.Key), (LlamaTensorNames.KeyBias(layer), a.KeyBias),
                (LlamaTensorNames.ValueWeight(layer), a.Value), (LlamaTensorNames.ValueBias(layer), a.ValueBias),
            };
            foreach (var (name, rows) in parts)
                if (rows is not null && sources.ContainsKey(name))
                    sources[name] = WeightSource.FromValues(name, MergedKeyValues.Pool(rows, groups));
        }
        return Build(MergedConfig(config, grouping), sources, options?.Device);
    }

    private static void CheckGrouping(LlamaConfig config, ModelGrouping grouping)
    {
        if (grouping.Layers.Count != config.NumHiddenLayers)
            throw new QcqaException(ErrorCodes.BadGrouping, $"The grouping has {grouping.Layers.Count} layers but the model has {config.NumHiddenLayers}.");
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var units = config.LayoutOf(layer).KvHeads;
            var heads = grouping.Layers[layer].Grouping.HeadCount;
            if (heads != units)
                throw new QcqaException(ErrorCodes.BadGrouping,
                    $"Layer {layer}: the grouping partitions {heads} KV heads but the model's layer has {units} (the units a grouping works on are the model's KV heads).");
        }
    }

    private static LlamaConfig MergedConfig(LlamaConfig config, ModelGrouping grouping)
    {
        var layouts = new AttentionLayout[config.NumHiddenLayers];
        for (var layer = 0; layer < layouts.Length; layer++)
        {
            var grouped = grouping.Layers[layer].Grouping;
            var map = config.LayoutOf(layer).QueryToKv.Select(grouped.GroupOf).ToArray();
            layouts[layer] = AttentionLayout.FromMap(map, grouped.GroupCount);
        }
        return config with { NumKeyValueHeads = layouts.Max(l => l.KvHeads), LayerLayouts = layouts };
    }

    // FromWeights validates names and shapes and allocates parameters without random initialisation; zero-stride
    // placeholders let it do that without a second copy of the weights, which are then written in place.
    private static LlamaModel Build(LlamaConfig config, IReadOnlyDictionary<string, WeightSource> sources, Device? device)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var zero = zeros(1, ScalarType.Float32);
        var placeholders = LlamaWeightShapes.Expected(config).ToDictionary(e => e.Key, e => zero.expand(e.Value), StringComparer.Ordinal);
        var model = LlamaModel.FromWeights(config, placeholders, device);
        try
        {
            foreach (var (name, parameter) in model.named_parameters()) ParameterWriter.Fill(parameter, sources[name]);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}

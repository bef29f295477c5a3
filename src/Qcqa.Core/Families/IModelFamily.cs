using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Families;

/// <summary>
/// A family of checkpoints that share one tensor layout: how a layer's query, key and value rows are stored, what the
/// output projection is called, and which config keys describe the attention. Everything that reads or writes a
/// checkpoint's attention (statistics, search, the merge writer, the runtime's loader) goes through this one
/// description, so a new family is one implementation plus its fixtures. <see cref="ModelFamilies"/> lists them and
/// chooses one from <c>config.json</c>.
/// </summary>
public interface IModelFamily
{
    /// <summary>The family's short name, as <c>inspect</c> prints it: <c>llama</c>, <c>phi3</c>, <c>gpt_neox</c>.</summary>
    string Name { get; }

    /// <summary>One line naming the layout and the models that use it.</summary>
    string Description { get; }

    /// <summary>The <c>architectures</c> entries of <c>config.json</c> that select this family (e.g. <c>LlamaForCausalLM</c>).</summary>
    IReadOnlyList<string> Architectures { get; }

    /// <summary>The <c>model_type</c> values that select this family when no <c>architectures</c> entry does.</summary>
    IReadOnlyList<string> ModelTypes { get; }

    /// <summary>
    /// True when the family's config has <c>num_key_value_heads</c> and its stock loaders repeat KV heads with
    /// <c>repeat_kv</c>, so that an equal-cardinality grouping with one G everywhere can be written as a standard GQA
    /// checkpoint. False for GPT-NeoX, whose stock model has no KV-head count.
    /// </summary>
    bool HasKeyValueHeadCount { get; }

    /// <summary>
    /// The stored tensors that hold layer <paramref name="layer"/>'s query, key and value rows: the weights, then the
    /// biases (which a checkpoint may lack), each with its head blocks in row order.
    /// </summary>
    /// <param name="layer">The layer index.</param>
    /// <param name="map">The layer's KV heads and which one each query head reads (H = map.QueryToKv.Count).</param>
    IReadOnlyList<StoredProjection> QkvTensors(int layer, QcqaLayerMap map);

    /// <summary>The name of layer <paramref name="layer"/>'s output projection, [D, H·d].</summary>
    string OutputName(int layer);

    /// <summary>
    /// How many leading dimensions of each head RoPE rotates (the head size, or fewer with partial rotary), read from
    /// the family's keys alone: the aligned merge needs it without the rest of the runtime's settings.
    /// </summary>
    /// <exception cref="Diagnostics.QcqaException">QCQA013 naming <c>config.json</c> for a malformed or unsupported RoPE setting.</exception>
    int RotaryDimensions(ModelConfig config);

    /// <summary>
    /// What a runtime needs besides the attention: settings from <c>config.json</c> (the family's keys and defaults)
    /// and where each other weight is stored. Reads no weight.
    /// </summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <exception cref="Diagnostics.QcqaException">QCQA013 naming <c>config.json</c> for a missing, malformed or unsupported setting.</exception>
    DecoderArchitecture Decoder(Checkpoint checkpoint);
}

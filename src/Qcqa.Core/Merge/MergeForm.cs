namespace Qcqa.Core.Merge;

/// <summary>The two shapes a compressed checkpoint can take (see the Merge README).</summary>
public enum MergeForm
{
    /// <summary>
    /// A standard GQA checkpoint: query heads reordered group by group, <c>num_key_value_heads = G</c> in every
    /// layer; stock loaders (Transformers' <c>repeat_kv</c>) run it unchanged.
    /// </summary>
    StandardGqa,

    /// <summary>
    /// Query heads unchanged, each layer with its own KV head count and query → KV map in the config's
    /// <c>qcqa</c> block; only QcqaBuild's runtime understands it.
    /// </summary>
    PerLayerMap,
}

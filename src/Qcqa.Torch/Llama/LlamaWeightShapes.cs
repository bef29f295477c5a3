using Qcqa.Core.Families;

namespace Qcqa.Torch.Llama;

/// <summary>
/// The runtime's parameters for a config, with their shapes: the Hugging Face names of a Llama checkpoint, plus the
/// norm and MLP biases of LayerNorm/GELU models (a GPT-NeoX or Phi-3 checkpoint's tensors are mapped onto these names
/// by <see cref="DecoderArchitecture.Weights"/>).
/// </summary>
public static class LlamaWeightShapes
{
    /// <summary>
    /// Every tensor the model needs, in checkpoint order, keyed by its Hugging Face name
    /// (e.g. <c>model.layers.0.self_attn.k_proj.weight</c> → [G_0·head_dim, hidden]).
    /// </summary>
    /// <param name="config">A validated config.</param>
    public static IReadOnlyList<KeyValuePair<string, long[]>> Expected(LlamaConfig config)
    {
        Preconditions.CheckNotNull(config);
        long v = config.VocabSize, d = config.HiddenSize, i = config.IntermediateSize, hd = config.ResolvedHeadDim;
        long q = config.NumAttentionHeads * hd;
        var shapes = new List<KeyValuePair<string, long[]>>();
        void Add(string name, params long[] shape) => shapes.Add(new(name, shape));

        var layerNorm = config.Norm == NormKind.Layer;
        Add("model.embed_tokens.weight", v, d);
        for (var l = 0; l < config.NumHiddenLayers; l++)
        {
            var p = $"model.layers.{l}.";
            long kv = config.LayoutOf(l).KvHeads * hd;
            Add(p + "input_layernorm.weight", d);
            if (layerNorm) Add(p + "input_layernorm.bias", d);
            Add(p + "self_attn.q_proj.weight", q, d);
            if (config.AttentionBias) Add(p + "self_attn.q_proj.bias", q);
            Add(p + "self_attn.k_proj.weight", kv, d);
            if (config.AttentionBias) Add(p + "self_attn.k_proj.bias", kv);
            Add(p + "self_attn.v_proj.weight", kv, d);
            if (config.AttentionBias) Add(p + "self_attn.v_proj.bias", kv);
            Add(p + "self_attn.o_proj.weight", d, q);
            if (config.HasOutputProjectionBias) Add(p + "self_attn.o_proj.bias", d);
            Add(p + "post_attention_layernorm.weight", d);
            if (layerNorm) Add(p + "post_attention_layernorm.bias", d);
            if (config.Mlp == MlpKind.Gelu)
            {
                Add(p + "mlp.up_proj.weight", i, d);
                Add(p + "mlp.up_proj.bias", i);
                Add(p + "mlp.down_proj.weight", d, i);
                Add(p + "mlp.down_proj.bias", d);
                continue;
            }
            Add(p + "mlp.gate_proj.weight", i, d);
            Add(p + "mlp.up_proj.weight", i, d);
            Add(p + "mlp.down_proj.weight", d, i);
        }
        Add("model.norm.weight", d);
        if (layerNorm) Add("model.norm.bias", d);
        if (!config.TieWordEmbeddings) Add("lm_head.weight", v, d);
        return shapes;
    }

    /// <summary>Formats a shape as <c>[a, b]</c> for messages.</summary>
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}

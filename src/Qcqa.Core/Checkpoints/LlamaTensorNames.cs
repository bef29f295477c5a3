namespace Qcqa.Core.Checkpoints;

/// <summary>
/// Tensor names of Llama-family checkpoints in Hugging Face layout (Llama, Mistral, Qwen2 with biases). They are also
/// the parameter names of QcqaBuild's runtime for every family (<see cref="Families.DecoderArchitecture.Weights"/>),
/// which adds the biases a LayerNorm/GELU family needs (<see cref="InputLayerNormBias"/> and the others below).
/// </summary>
public static class LlamaTensorNames
{
    /// <summary><c>model.embed_tokens.weight</c>, [vocab, D].</summary>
    public const string EmbedTokens = "model.embed_tokens.weight";

    /// <summary><c>model.norm.weight</c>, [D].</summary>
    public const string FinalNorm = "model.norm.weight";

    /// <summary><c>lm_head.weight</c>, [vocab, D].</summary>
    public const string LmHead = "lm_head.weight";

    /// <summary>Prefix of every tensor of layer <paramref name="layer"/>.</summary>
    public static string LayerPrefix(int layer) => $"model.layers.{layer}.";

    /// <summary><c>q_proj.weight</c>, [H·d, D].</summary>
    public static string QueryWeight(int layer) => Attention(layer, "q_proj.weight");

    /// <summary><c>k_proj.weight</c>, [Hkv·d, D].</summary>
    public static string KeyWeight(int layer) => Attention(layer, "k_proj.weight");

    /// <summary><c>v_proj.weight</c>, [Hkv·d, D].</summary>
    public static string ValueWeight(int layer) => Attention(layer, "v_proj.weight");

    /// <summary><c>o_proj.weight</c>, [D, H·d].</summary>
    public static string OutputWeight(int layer) => Attention(layer, "o_proj.weight");

    /// <summary><c>q_proj.bias</c>, [H·d] (optional).</summary>
    public static string QueryBias(int layer) => Attention(layer, "q_proj.bias");

    /// <summary><c>k_proj.bias</c>, [Hkv·d] (optional).</summary>
    public static string KeyBias(int layer) => Attention(layer, "k_proj.bias");

    /// <summary><c>v_proj.bias</c>, [Hkv·d] (optional).</summary>
    public static string ValueBias(int layer) => Attention(layer, "v_proj.bias");

    /// <summary><c>o_proj.bias</c>, [D] (optional; never changed by merging).</summary>
    public static string OutputBias(int layer) => Attention(layer, "o_proj.bias");

    /// <summary><c>input_layernorm.weight</c>, [D].</summary>
    public static string InputLayerNorm(int layer) => LayerPrefix(layer) + "input_layernorm.weight";

    /// <summary><c>post_attention_layernorm.weight</c>, [D].</summary>
    public static string PostAttentionLayerNorm(int layer) => LayerPrefix(layer) + "post_attention_layernorm.weight";

    /// <summary><c>mlp.gate_proj.weight</c>, [intermediate, D].</summary>
    public static string GateWeight(int layer) => LayerPrefix(layer) + "mlp.gate_proj.weight";

    /// <summary><c>mlp.up_proj.weight</c>, [intermediate, D].</summary>
    public static string UpWeight(int layer) => LayerPrefix(layer) + "mlp.up_proj.weight";

    /// <summary><c>mlp.down_proj.weight</c>, [D, intermediate].</summary>
    public static string DownWeight(int layer) => LayerPrefix(layer) + "mlp.down_proj.weight";

    /// <summary>The runtime's <c>input_layernorm.bias</c>, [D] (LayerNorm families).</summary>
    public static string InputLayerNormBias(int layer) => LayerPrefix(layer) + "input_layernorm.bias";

    /// <summary>The runtime's <c>post_attention_layernorm.bias</c>, [D] (LayerNorm families).</summary>
    public static string PostAttentionLayerNormBias(int layer) => LayerPrefix(layer) + "post_attention_layernorm.bias";

    /// <summary>The runtime's <c>mlp.up_proj.bias</c>, [intermediate] (GELU MLP families).</summary>
    public static string UpBias(int layer) => LayerPrefix(layer) + "mlp.up_proj.bias";

    /// <summary>The runtime's <c>mlp.down_proj.bias</c>, [D] (GELU MLP families).</summary>
    public static string DownBias(int layer) => LayerPrefix(layer) + "mlp.down_proj.bias";

    /// <summary>The runtime's <c>model.norm.bias</c>, [D] (LayerNorm families).</summary>
    public const string FinalNormBias = "model.norm.bias";

    private static string Attention(int layer, string suffix) => $"{LayerPrefix(layer)}self_attn.{suffix}";
}

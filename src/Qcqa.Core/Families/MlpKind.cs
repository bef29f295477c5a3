namespace Qcqa.Core.Families;

/// <summary>The feed-forward block of a decoder layer.</summary>
public enum MlpKind
{
    /// <summary>down(silu(gate(x)) · up(x)) without biases (Llama; Phi-3 stores gate and up as one fused tensor).</summary>
    GatedSilu,

    /// <summary>down(gelu(up(x))) with biases, the exact (erf) GELU (GPT-NeoX's <c>dense_h_to_4h</c>, <c>dense_4h_to_h</c>).</summary>
    Gelu,
}

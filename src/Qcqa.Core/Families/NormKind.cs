namespace Qcqa.Core.Families;

/// <summary>The normalisation a decoder uses before attention, before the MLP and at the end.</summary>
public enum NormKind
{
    /// <summary>RMSNorm with a weight (Llama, Phi-3).</summary>
    Rms,

    /// <summary>LayerNorm with a weight and a bias (GPT-NeoX).</summary>
    Layer,
}

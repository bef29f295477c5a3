namespace Qcqa.Torch.Streaming;

/// <summary>Whether a checkpoint's decoder layers stay loaded between uses.</summary>
public enum LayerResidency
{
    /// <summary>Resident when the whole model (in float32) fits the share of the memory limit set aside for it; streamed otherwise.</summary>
    Auto,

    /// <summary>Every layer stays loaded after its first use: fastest for models that fit.</summary>
    Resident,

    /// <summary>One layer is loaded at a time and freed after use: any model size, at the cost of converting each layer per pass.</summary>
    Streamed,
}

using Qcqa.Core.Memory;
using static TorchSharp.torch;

namespace Qcqa.Torch.Streaming;

/// <summary>Settings of <see cref="CheckpointDecoderWeights"/>.</summary>
public sealed record StreamingOptions
{
    /// <summary>Where the weights live and compute runs; CPU when null.</summary>
    public Device? Device { get; init; }

    /// <summary>Whether layers stay loaded between uses.</summary>
    public LayerResidency Residency { get; init; } = LayerResidency.Auto;

    /// <summary>
    /// Under <see cref="LayerResidency.Auto"/>, the largest float32 size of all layers together that stays resident:
    /// by default half of the memory limit, leaving the other half to activations and the stage's own data.
    /// </summary>
    public long ResidentBytes { get; init; } = MemoryLimit.Resolve(null).Bytes / 2;

    /// <summary>
    /// The type the decoder layers' projections compute in: float32 (the default), or bfloat16 for the evaluation's
    /// <c>precision: bfloat16</c> (weights rounded to bfloat16 once per layer; norms, softmax and the residual stream stay float32).
    /// </summary>
    public ScalarType ProjectionType { get; init; } = ScalarType.Float32;

    /// <summary>Read the attention layout from <c>num_key_value_heads</c> alone, as a stock loader would.</summary>
    public bool IgnoreQcqaBlock { get; init; }
}

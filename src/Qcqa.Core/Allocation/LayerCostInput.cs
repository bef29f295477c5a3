using Qcqa.Core.Alignment;
using Qcqa.Core.Search;
using Qcqa.Core.Statistics;

namespace Qcqa.Core.Allocation;

/// <summary>The input of the layer-cost stage.</summary>
/// <param name="Label">The model and mode, for logs.</param>
/// <param name="Fronts">The search stage's fronts (each point's error: plain WSE, or the exact aligned error).</param>
/// <param name="FrontsHash">The fronts' cache key (costs of the same fronts are cached under it).</param>
/// <param name="Method">How layers are compared.</param>
/// <param name="Statistics">The plain Gram matrices (for <see cref="AllocationMethod.Wse"/>).</param>
/// <param name="Sensitivity">Opens the KL probe (for measured and estimated costs); called at most once.</param>
/// <param name="CalibrationIdentity">The calibration the probe's merges use.</param>
/// <param name="ProbeTokens">Tokens each probe scores.</param>
/// <param name="EngineVersion">The alignment engine's code version.</param>
public sealed record LayerCostInput(
    string Label,
    IReadOnlyList<LayerFront> Fronts,
    string FrontsHash,
    AllocationMethod Method,
    ModelStatistics Statistics,
    Func<ILayerSensitivity>? Sensitivity,
    string CalibrationIdentity,
    int ProbeTokens,
    string EngineVersion)
{
    /// <summary>Computes every layer's KL per unit of aligned error (for <see cref="AllocationMethod.Gradient"/>); called at most once.</summary>
    public Func<IReadOnlyList<double>>? GradientScales { get; init; }
}

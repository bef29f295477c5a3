namespace Qcqa.Core.Allocation;

/// <summary>How stage 2 compares layers when it spends the KV budget.</summary>
public enum AllocationMethod
{
    /// <summary>
    /// By measured cost: every front point of every layer is merged alone into the original model and the KL divergence
    /// of its next-token distribution on probe text is measured. What <see cref="Auto"/> chooses for small models.
    /// </summary>
    Measured,

    /// <summary>
    /// By estimated cost: each layer's front errors scaled by one measured KL probe per layer (at G ≈ H/2); cheaper for
    /// large models.
    /// </summary>
    Estimated,

    /// <summary>
    /// By gradient-estimated cost: one layer-streamed forward and one backward pass over the probe text give each
    /// layer's sensitivity α_l = E‖∂log p(y)/∂a_l‖² / D (a_l: the layer's attention output, y sampled from the model,
    /// so α_l is the trace of the Fisher information per dimension), and a point's cost is ½ α_l times its aligned
    /// error: the second-order KL of that output error. Its cost does not grow with layers × candidates, so large models use it.
    /// </summary>
    Gradient,

    /// <summary>
    /// <see cref="Measured"/> for models up to <see cref="AllocationDefaults.MeasuredParameterLimit"/> parameters,
    /// <see cref="Gradient"/> above (resolved when the model is opened). The default with calibration text.
    /// </summary>
    Auto,

    /// <summary>The paper's DP over the raw weight-sharing error of each layer's groupings.</summary>
    Wse,

    /// <summary>The same fraction of KV heads in every layer (the budget applied per layer).</summary>
    Uniform,
}

namespace Qcqa.Core.Allocation;

/// <summary>How stage 2 compares layers when it spends the KV budget.</summary>
public enum AllocationMethod
{
    /// <summary>
    /// By measured cost: every front point of every layer is merged alone into the original model and the KL divergence
    /// of its next-token distribution on probe text is measured. The default with calibration text.
    /// </summary>
    Measured,

    /// <summary>
    /// By estimated cost: each layer's front errors scaled by one measured KL probe per layer (at G ≈ H/2); cheaper for
    /// large models.
    /// </summary>
    Estimated,

    /// <summary>The paper's DP over the raw weight-sharing error of each layer's groupings.</summary>
    Wse,

    /// <summary>The same fraction of KV heads in every layer (the budget applied per layer).</summary>
    Uniform,
}

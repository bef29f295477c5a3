namespace Qcqa.Core.Search;

/// <summary>What the per-layer search minimises.</summary>
public enum FitnessKind
{
    /// <summary>The error the aligned merge leaves (calibrated when the model has calibration): what is actually paid. The default.</summary>
    Aligned,

    /// <summary>The paper's weight-sharing error of raw K/V weights (the error of mean-pooling).</summary>
    Wse,
}

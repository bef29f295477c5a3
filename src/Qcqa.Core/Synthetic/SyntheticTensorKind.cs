namespace Qcqa.Core.Synthetic;

/// <summary>How a synthetic tensor's values are drawn.</summary>
internal enum SyntheticTensorKind
{
    /// <summary>Independent uniform values with the configured standard deviation.</summary>
    Random,
    /// <summary>All ones (RMSNorm weights).</summary>
    Ones,
    /// <summary>K or V weight whose head blocks are a cluster centre plus small noise.</summary>
    ClusteredHeads,
}

using Qcqa.Core.Checkpoints;
using Serilog;

namespace Qcqa.Core.Diagnostics;

/// <summary>
/// Warnings with their own code: the code travels as a log property, which the MSBuild protocol sink turns into the
/// warning's code (otherwise <see cref="ErrorCodes.GeneralWarning"/>).
/// </summary>
public static class WarningCodes
{
    /// <summary>The log property that carries a warning's code.</summary>
    public const string PropertyName = "QcqaCode";

    /// <summary>Logs one <see cref="ErrorCodes.NonFiniteWarning"/> per tensor outside the attention projections that holds NaN or ±Inf.</summary>
    public static void LogNonFinite(ILogger log, Checkpoint checkpoint) => LogNonFinite(log, checkpoint.NonFiniteOutsideAttention);

    /// <summary>Logs QCQA090 for each of <paramref name="tensors"/> (a scan's result, possibly remembered from an earlier build).</summary>
    public static void LogNonFinite(ILogger log, IEnumerable<NonFiniteTensor> tensors)
    {
        foreach (var tensor in tensors)
            log.ForContext(PropertyName, ErrorCodes.NonFiniteWarning).Warning("{Warning}", tensor.Describe());
    }
}

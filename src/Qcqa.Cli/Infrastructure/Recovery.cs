using Qcqa.Core.Alignment;
using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Torch.Alignment;
using Qcqa.Torch.Calibration;
using Serilog;

namespace Qcqa.Cli.Infrastructure;

/// <summary>
/// What the <c>search</c> and <c>merge</c> commands need for the aligned merge: an optional calibration pass over a
/// text given on the command line, and the model's aligned merge weighted by it. The build uses the same pieces
/// through its stages.
/// </summary>
internal static class Recovery
{
    /// <summary>Calibrates <paramref name="checkpoint"/> on <paramref name="calibrationText"/> (null: weights alone) and opens its aligned merge.</summary>
    /// <exception cref="Core.Diagnostics.QcqaException">The text is unusable (QCQA050 naming it) or libtorch cannot load.</exception>
    internal static (IAlignedModel Model, string CalibrationIdentity) OpenAligned(Checkpoint checkpoint, string? calibrationText, string device, ILogger log,
        CancellationToken cancellation)
    {
        CalibrationStatistics? statistics = null;
        var identity = "";
        if (calibrationText is not null)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            statistics = new TorchCalibrator().Calibrate(checkpoint.Folder, calibrationText, CalibrationSpec.DefaultMaxTokens, device, cancellation);
            identity = Core.Cache.ContentHash.ComputeFile(calibrationText);
            log.Information("Calibrated on {Tokens:N0} tokens of {Text} in {Seconds:0.0} s", statistics.Tokens, calibrationText, clock.Elapsed.TotalSeconds);
        }
        var engine = new TorchAlignmentEngine();
        return (engine.Open(checkpoint, statistics, device), $"{identity};{engine.CodeVersion}");
    }
}

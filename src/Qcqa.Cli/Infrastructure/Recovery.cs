using Qcqa.Core.Alignment;
using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
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
    /// <summary>
    /// Checks a <c>--calibration</c> text before any work, whatever the method or fitness: a misspelt path is reported
    /// even when the chosen merge would not read it, as a spec's calibration.text and the build's --calibration are.
    /// </summary>
    /// <exception cref="QcqaException">QCQA050 naming the file when it does not exist or is a folder.</exception>
    internal static void CheckCalibrationText(string? calibrationText)
    {
        if (calibrationText is null || File.Exists(calibrationText)) return;
        throw new QcqaException(ErrorCodes.BadEvaluationInput, Directory.Exists(calibrationText)
            ? "The calibration text is a folder; it must name a text file."
            : "The calibration text file does not exist.", calibrationText);
    }

    /// <summary>Calibrates <paramref name="checkpoint"/> on <paramref name="calibrationText"/> (null: weights alone) and opens its aligned merge.</summary>
    /// <exception cref="QcqaException">The text is unusable (QCQA050 naming it) or libtorch cannot load.</exception>
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

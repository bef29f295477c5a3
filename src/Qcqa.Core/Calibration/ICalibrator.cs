namespace Qcqa.Core.Calibration;

/// <summary>Runs the calibration pass (implemented by Qcqa.Torch, which owns the model and the tokenizers).</summary>
public interface ICalibrator
{
    /// <summary>Identifies the implementation's code in cache keys (a new build of it invalidates its cached results).</summary>
    string CodeVersion { get; }

    /// <summary>Tokenizes <paramref name="textPath"/> with the model's own tokenizer and collects the statistics.</summary>
    /// <param name="modelFolder">The original model.</param>
    /// <param name="textPath">The calibration text.</param>
    /// <param name="maxTokens">Tokens used from the start of the text.</param>
    /// <param name="device">cpu, cuda, cuda:N or auto.</param>
    /// <param name="cancellation">Checked between batches.</param>
    /// <exception cref="Diagnostics.QcqaException">The text is missing, unreadable or shorter than one window; the device is unavailable.</exception>
    CalibrationStatistics Calibrate(string modelFolder, string textPath, long maxTokens, string device, CancellationToken cancellation);
}

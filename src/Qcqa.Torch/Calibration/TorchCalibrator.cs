using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.Calibration;

/// <summary>The build's calibrator: the model's own tokenizer, the same loader as evaluation, one pass of <see cref="CalibrationRunner"/>.</summary>
public sealed class TorchCalibrator : ICalibrator
{
    /// <inheritdoc />
    public string CodeVersion => TorchCode.Version;

    /// <inheritdoc />
    public CalibrationStatistics Calibrate(string modelFolder, string textPath, long maxTokens, string device, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(textPath);
        var tokens = CalibrationText.Load(modelFolder, textPath, maxTokens);
        using var checkpoint = Checkpoint.Open(modelFolder);
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        var options = new CalibrationOptions { WindowSize = Math.Min(CalibrationText.WindowSize, config.MaxPositionEmbeddings) };
        options.Validate(config.MaxPositionEmbeddings, tokens.Count, textPath);
        using var model = CheckpointModelLoader.Load(checkpoint, new CheckpointLoadOptions { Device = QcqaDevice.Parse(device) });
        return CalibrationRunner.Run(model, tokens, options, textPath, cancellation: cancellation);
    }
}

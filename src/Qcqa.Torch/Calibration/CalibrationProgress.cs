namespace Qcqa.Torch.Calibration;

/// <summary>Progress of a calibration pass.</summary>
/// <param name="WindowsDone">Windows processed so far.</param>
/// <param name="Windows">Windows in the pass.</param>
public sealed record CalibrationProgress(int WindowsDone, int Windows);

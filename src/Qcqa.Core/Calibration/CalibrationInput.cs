using Qcqa.Core.Spec;

namespace Qcqa.Core.Calibration;

/// <summary>The input of the calibration stage.</summary>
/// <param name="Label">The model's name, for logs.</param>
/// <param name="ModelFolder">The original model.</param>
/// <param name="Spec">The model's calibration settings.</param>
/// <param name="Device">Where the pass runs.</param>
public sealed record CalibrationInput(string Label, string ModelFolder, CalibrationSpec Spec, DeviceKind Device);

namespace Qcqa.Core.Calibration;

/// <summary>The output of the calibration stage.</summary>
/// <param name="Statistics">Per-layer statistics.</param>
/// <param name="Identity">
/// What determines them (model content, text content, token cap, code): later stages key their cached results on it,
/// so a changed text or model recomputes everything that used the statistics.
/// </param>
/// <param name="Spec">The settings the statistics came from (the probe reads its text).</param>
public sealed record CalibrationResult(CalibrationStatistics Statistics, string Identity, CalibrationSpec Spec);

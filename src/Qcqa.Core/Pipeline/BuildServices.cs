using Qcqa.Core.Alignment;
using Qcqa.Core.Calibration;
using Qcqa.Core.Evaluation;
using Qcqa.Core.FineTuning;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The stages' device math, which lives in Qcqa.Torch (libtorch) and is handed in by the host (the CLI), so Core
/// stays free of libtorch and a build that needs none of it never loads it.
/// </summary>
public sealed record BuildServices
{
    /// <summary>Evaluates checkpoints on the spec's held-out text; null skips evaluation with a warning.</summary>
    public IModelEvaluator? Evaluator { get; init; }

    /// <summary>Runs calibration passes; null makes a spec that asks for calibration an error.</summary>
    public ICalibrator? Calibrator { get; init; }

    /// <summary>The aligned merge's math and the per-layer KL probe; null makes aligned variants an error.</summary>
    public IAlignmentEngine? Alignment { get; init; }

    /// <summary>Fine-tunes merged checkpoints; null makes fine-tuned variants an error.</summary>
    public IFineTuner? FineTuner { get; init; }
}

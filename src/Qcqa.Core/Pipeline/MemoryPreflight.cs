using Qcqa.Core.Checkpoints;
using Qcqa.Core.Evaluation;
using Qcqa.Core.Memory;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// Plans the model-sized passes of every model (calibration, evaluation, each variant's fine-tuning) against the memory limit before the build
/// starts on any of them, so that a build that cannot fit stops with QCQA061 having written nothing — not after an
/// hour of earlier models, and never by the kernel's hand. Reads configs and texts only.
/// </summary>
/// <remarks>
/// A pass is planned even when its result is cached: the check costs milliseconds, and a limit that refuses it is a
/// setting worth correcting before the cache is cold.
/// </remarks>
internal static class MemoryPreflight
{
    /// <summary>Refuses the build when a model's calibration, evaluation or a variant's fine-tuning would not fit <paramref name="memory"/>.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="services">The device math whose passes are planned.</param>
    /// <param name="usesCalibration">Whether a model's variants need its calibration.</param>
    /// <param name="memory">The build's limit.</param>
    /// <exception cref="Diagnostics.QcqaException">QCQA061 naming the pass, its estimate and the limit.</exception>
    internal static void Check(QcqaSpec spec, BuildServices services, Func<ModelSpec, bool> usesCalibration, MemoryLimit memory)
    {
        foreach (var model in spec.Models)
        {
            if (model.Calibration is { } calibration && services.Calibrator is { } calibrator && usesCalibration(model))
                calibrator.CheckMemory(model.Path, calibration.TextPath, calibration.MaxTokens, memory);
            if (spec.Evaluation is { } evaluation && services.Evaluator is { } evaluator && File.Exists(evaluation.TextPath))
                evaluator.CheckMemory(model.Path, evaluation, memory);
            if (services.FineTuner is { } fineTuner)
                foreach (var variant in model.Variants)
                    if (variant.FineTune is { } fineTune) fineTuner.CheckMemory(model.Path, fineTune, $"{model.Name}/{variant.Name}", memory);
        }
    }
}

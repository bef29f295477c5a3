using Qcqa.Core.Spec;

namespace Qcqa.Core.Evaluation;

/// <summary>
/// Measures a checkpoint's quality on held-out text. Implemented where libtorch lives (Qcqa.Torch, wired by the
/// CLI); the pipeline only calls it when the spec asks for evaluation, so search and merge never load libtorch.
/// </summary>
public interface IModelEvaluator
{
    /// <summary>Evaluates the checkpoint in <paramref name="modelFolder"/>.</summary>
    /// <param name="modelFolder">A Hugging Face folder (original or compressed).</param>
    /// <param name="evaluation">Held-out text and token cap.</param>
    /// <param name="device">Where to run.</param>
    /// <param name="cancellation">Stops the evaluation.</param>
    ModelQuality Evaluate(string modelFolder, EvaluationSpec evaluation, DeviceKind device, CancellationToken cancellation);
}

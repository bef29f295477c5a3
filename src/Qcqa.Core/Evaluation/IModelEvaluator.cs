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
    /// <param name="memory">The build's memory limit: the evaluation plans its passes to fit it or refuses before it starts (QCQA061).</param>
    /// <param name="cancellation">Stops the evaluation.</param>
    ModelQuality Evaluate(string modelFolder, EvaluationSpec evaluation, DeviceKind device, Memory.MemoryLimit memory, CancellationToken cancellation);

    /// <summary>
    /// Stops before any work when evaluating <paramref name="modelFolder"/> could not fit <paramref name="memory"/>
    /// (QCQA061); reads the config and the text only. The build asks before it starts on a model.
    /// </summary>
    void CheckMemory(string modelFolder, EvaluationSpec evaluation, Memory.MemoryLimit memory)
    {
    }
}

using Qcqa.Core.Evaluation;
using Qcqa.Core.Memory;
using Qcqa.Core.Spec;

namespace Qcqa.Core.Tests.Pipeline;

/// <summary>A stand-in evaluator that records which folders it was asked to evaluate (libtorch is not needed here).</summary>
internal sealed class CountingEvaluator : IModelEvaluator
{
    internal List<string> Evaluated { get; } = [];

    /// <summary>The memory limit of each evaluation, in order.</summary>
    internal List<MemoryLimit> Limits { get; } = [];

    /// <summary>The precision of each evaluation, in order.</summary>
    internal List<ComputePrecision> Precisions { get; } = [];

    public ModelQuality Evaluate(string modelFolder, EvaluationSpec evaluation, DeviceKind device, MemoryLimit memory, CancellationToken cancellation)
    {
        Limits.Add(memory);
        Precisions.Add(evaluation.Precision);
        Evaluated.Add(Path.GetFileName(Path.GetFullPath(modelFolder)));
        return new ModelQuality(Evaluated.Count, 100, 256, 64, 1.0);
    }
}

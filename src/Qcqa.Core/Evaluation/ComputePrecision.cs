namespace Qcqa.Core.Evaluation;

/// <summary>
/// The arithmetic of an evaluation's matrix products (<c>evaluation.precision</c>). Norms, softmax, rotary
/// embeddings and the residual stream stay in float32 either way; <see cref="BFloat16"/> runs the projections (all but
/// a few percent of the FLOPs) in bfloat16, at a perplexity within a fraction of a percent: faster only on processors
/// with bfloat16 arithmetic (AVX512_BF16, AMX, Arm BF16); elsewhere libtorch emulates it and it is several times slower
/// (QCQA092 warns). Every model of a build is evaluated in the same precision, and the
/// report says which.
/// </summary>
public enum ComputePrecision
{
    /// <summary>Everything in float32 (the default).</summary>
    Float32,

    /// <summary>Projections in bfloat16 (weights rounded to bfloat16, float32 accumulation), the rest in float32.</summary>
    BFloat16,
}

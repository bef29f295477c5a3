using Qcqa.Torch.Evaluation;

namespace Qcqa.ReferenceModel;

/// <summary>The measured figures of a trained, written and reloaded reference model.</summary>
/// <param name="ParameterCount">Elements of every checkpoint tensor.</param>
/// <param name="Shipped">Held-out result of the written (BF16/F16) weights, reloaded from disk.</param>
/// <param name="TrainedFloat32">Held-out result of the float32 weights before rounding.</param>
/// <param name="Unigram">Held-out result of the add-one byte-frequency model.</param>
/// <param name="HeldOutSha256">SHA-256 of <c>heldout.txt</c>.</param>
/// <param name="ModelSha256">SHA-256 of <c>model.safetensors</c>.</param>
/// <param name="ModelBytes">Size of <c>model.safetensors</c>.</param>
public sealed record ReferenceMetrics(
    long ParameterCount,
    PerplexityResult Shipped,
    PerplexityResult TrainedFloat32,
    PerplexityResult Unigram,
    string HeldOutSha256,
    string ModelSha256,
    long ModelBytes);

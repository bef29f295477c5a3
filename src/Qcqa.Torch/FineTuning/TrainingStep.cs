using Qcqa.Torch.Llama;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// One optimiser step of next-token training, the same for pretraining (the reference model's trainer) and
/// fine-tuning: forward pass and loss (cross-entropy against the targets, or KL divergence from a teacher's
/// distribution), then <see cref="AdamWUpdate"/> (backward pass, global gradient-norm clipping, AdamW update), which
/// layer-wise training shares.
/// </summary>
/// <remarks>
/// Only the tensors given as trainable receive gradients; the caller turns <c>requires_grad</c> off for the others,
/// so autograd skips their weight gradients. A step whose loss or gradient norm is not finite makes no update and
/// says so (<see cref="TrainingStepOutcome.Updated"/>), leaving the weights as they were.
/// </remarks>
public sealed class TrainingStep : IDisposable
{
    /// <summary>AdamW's β₁.</summary>
    public const double Beta1 = AdamWUpdate.Beta1;

    /// <summary>AdamW's β₂ (0.95, the usual choice for language models, rather than 0.999).</summary>
    public const double Beta2 = AdamWUpdate.Beta2;

    /// <summary>AdamW's ε.</summary>
    public const double Epsilon = AdamWUpdate.Epsilon;

    private readonly LlamaModel _model;
    private readonly LlamaModel? _teacher;
    private readonly AdamWUpdate _update;

    /// <summary>Creates the optimiser over <paramref name="trainable"/>.</summary>
    /// <param name="model">The model being trained (it stays the caller's).</param>
    /// <param name="trainable">The parameters to update, in a fixed order (the model's parameter order keeps runs reproducible).</param>
    /// <param name="weightDecay">Decoupled weight decay of the matrices.</param>
    /// <param name="gradientClip">Largest global L2 norm of the gradients.</param>
    /// <param name="teacher">With a teacher the loss is KL(teacher ‖ model) per position, averaged; without one it is cross-entropy. It stays the caller's and is never updated.</param>
    /// <exception cref="ArgumentException">No trainable parameter was given.</exception>
    public TrainingStep(LlamaModel model, IEnumerable<Parameter> trainable, double weightDecay, double gradientClip, LlamaModel? teacher = null)
    {
        Preconditions.CheckNotNull(model);
        Preconditions.CheckNotNull(trainable);
        _model = model;
        _teacher = teacher;
        _update = new AdamWUpdate(trainable, weightDecay, gradientClip);
    }

    /// <summary>Runs one step on a batch.</summary>
    /// <param name="inputs">[batch, seq] int64 token ids.</param>
    /// <param name="targets">[batch, seq] int64: the token that follows each input position.</param>
    /// <param name="learningRate">The learning rate of this step.</param>
    /// <returns>The loss before the update, the gradient norm before clipping, and whether the update was made.</returns>
    public TrainingStepOutcome Run(Tensor inputs, Tensor targets, double learningRate)
    {
        Preconditions.CheckNotNull(inputs);
        Preconditions.CheckNotNull(targets);
        return _update.Minimise(() =>
        {
            var logits = _model.forward(inputs);
            return _teacher is null ? CrossEntropy(logits, targets) : Distillation(logits, inputs);
        }, learningRate);
    }

    /// <summary>Releases the optimiser's state.</summary>
    public void Dispose() => _update.Dispose();

    private Tensor CrossEntropy(Tensor logits, Tensor targets)
        => nn.functional.cross_entropy(logits.reshape(-1, _model.Config.VocabSize), targets.reshape(-1).to(logits.device));

    // KL(p_t ‖ p_s) = Σ_v p_t (log p_t − log p_s) per position, averaged over positions. The teacher runs without
    // autograd; the gradient reaches the model through log p_s only.
    private Tensor Distillation(Tensor logits, Tensor inputs)
    {
        var vocab = _model.Config.VocabSize;
        Tensor teacherLogProbabilities;
        using (no_grad())
        {
            teacherLogProbabilities = _teacher!.forward(inputs).reshape(-1, vocab).log_softmax(-1);
        }
        var logProbabilities = logits.reshape(-1, vocab).log_softmax(-1);
        var total = nn.functional.kl_div(logProbabilities, teacherLogProbabilities, log_target: true, reduction: nn.Reduction.Sum);
        using var positions = logProbabilities.shape[0].ToScalar();
        return total.div(positions);
    }
}

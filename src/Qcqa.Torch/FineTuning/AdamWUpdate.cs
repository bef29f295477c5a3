using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// The optimiser half of a training step, shared by end-to-end (<see cref="TrainingStep"/>) and layer-wise
/// (<see cref="LayerwiseFineTuner"/>) training: zero the gradients, backpropagate a loss, clip the global L2 norm,
/// and make an AdamW update with β = (0.9, 0.95), ε = 1e-8 and decoupled weight decay on matrices only (tensors of
/// rank ≥ 2; biases and norm weights never decay). A loss or gradient norm that is not finite makes no update.
/// </summary>
public sealed class AdamWUpdate : IDisposable
{
    /// <summary>AdamW's β₁.</summary>
    public const double Beta1 = 0.9;

    /// <summary>AdamW's β₂ (0.95, the usual choice for language models, rather than 0.999).</summary>
    public const double Beta2 = 0.95;

    /// <summary>AdamW's ε.</summary>
    public const double Epsilon = 1e-8;

    private readonly Parameter[] _parameters;
    private readonly AdamW _optimizer;
    private readonly double _gradientClip;

    /// <summary>Creates the optimiser over <paramref name="trainable"/>.</summary>
    /// <param name="trainable">The parameters to update, in a fixed order (keeps runs reproducible).</param>
    /// <param name="weightDecay">Decoupled weight decay of the matrices.</param>
    /// <param name="gradientClip">Largest global L2 norm of the gradients.</param>
    /// <exception cref="ArgumentException">No trainable parameter was given.</exception>
    public AdamWUpdate(IEnumerable<Parameter> trainable, double weightDecay, double gradientClip)
    {
        Preconditions.CheckNotNull(trainable);
        _parameters = trainable.ToArray();
        if (_parameters.Length == 0) throw new ArgumentException("There is nothing to train.", nameof(trainable));
        _gradientClip = gradientClip;
        var groups = new[]
        {
            new AdamW.ParamGroup(_parameters.Where(p => p.dim() >= 2), 0.0, Beta1, Beta2, Epsilon, weightDecay),
            new AdamW.ParamGroup(_parameters.Where(p => p.dim() < 2), 0.0, Beta1, Beta2, Epsilon, 0.0),
        }.Where(g => g.Parameters.Any());
        _optimizer = optim.AdamW(groups, 0.0, Beta1, Beta2, Epsilon, weightDecay);
    }

    /// <summary>One step: computes <paramref name="loss"/> with fresh gradients, backpropagates it, clips and updates.</summary>
    /// <param name="loss">Computes the scalar loss (called once, after the gradients are zeroed).</param>
    /// <param name="learningRate">The learning rate of this step.</param>
    /// <returns>The loss before the update, the gradient norm before clipping, and whether the update was made.</returns>
    public TrainingStepOutcome Minimise(Func<Tensor> loss, double learningRate)
    {
        Preconditions.CheckNotNull(loss);
        return Minimise(_ => loss(), 1, learningRate);
    }

    /// <summary>
    /// One step on a loss that is the sum of <paramref name="parts"/> terms, each computed and backpropagated on its
    /// own, so only one part's activations are alive at a time (the gradients accumulate: the step is the one the whole
    /// sum would make, up to float32 summation order).
    /// </summary>
    /// <param name="part">Computes term <c>i</c> of the loss (called once per part, in order, after the gradients are zeroed).</param>
    /// <param name="parts">How many terms.</param>
    /// <param name="learningRate">The learning rate of this step.</param>
    /// <param name="update">Told the whole loss before the update; false leaves the weights as they are (the outcome says not updated).</param>
    /// <returns>The whole loss before the update, the gradient norm before clipping, and whether the update was made.</returns>
    public TrainingStepOutcome Minimise(Func<int, Tensor> part, int parts, double learningRate, Func<double, bool>? update = null)
    {
        Preconditions.CheckNotNull(part);
        Preconditions.CheckRange(parts, 1, int.MaxValue, nameof(parts));
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
        _optimizer.zero_grad();
        double scalar = 0;
        for (var i = 0; i < parts; i++)
        {
            using var scope = NewDisposeScope();
            var value = part(i);
            value.backward();
            scalar += value.item<float>();
        }
        if (update is not null && !update(scalar)) return new TrainingStepOutcome(scalar, double.NaN, Updated: false);
        double norm;
        using (NewDisposeScope()) norm = nn.utils.clip_grad_norm_(_parameters, _gradientClip);
        if (!double.IsFinite(scalar) || !double.IsFinite(norm)) return new TrainingStepOutcome(scalar, norm, Updated: false);
        _optimizer.step();
        return new TrainingStepOutcome(scalar, norm, Updated: true);
    }

    /// <summary>Releases the optimiser's state.</summary>
    public void Dispose() => _optimizer.Dispose();
}

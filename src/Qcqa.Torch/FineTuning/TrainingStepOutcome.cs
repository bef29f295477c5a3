namespace Qcqa.Torch.FineTuning;

/// <summary>What one <see cref="TrainingStep"/> did.</summary>
/// <param name="Loss">The loss of the batch before the update, in nats per token.</param>
/// <param name="GradientNorm">The global L2 norm of the gradients before clipping.</param>
/// <param name="Updated">False when the loss or the norm was not finite: then the weights were left unchanged.</param>
public readonly record struct TrainingStepOutcome(double Loss, double GradientNorm, bool Updated);

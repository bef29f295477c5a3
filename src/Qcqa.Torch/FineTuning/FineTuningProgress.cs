using System.Globalization;

namespace Qcqa.Torch.FineTuning;

/// <summary>How far a fine-tuning run has got, reported after every optimiser step.</summary>
/// <param name="Step">Steps done (1-based: the step just finished).</param>
/// <param name="Steps">Steps the run takes.</param>
/// <param name="Loss">The loss of the step just finished (before its update), in nats per token.</param>
/// <param name="LearningRate">The learning rate that step used.</param>
/// <param name="TokensPerSecond">Training tokens per second since the first step started.</param>
/// <param name="Remaining">Estimated time to the last step, at the speed so far.</param>
public readonly record struct FineTuningProgress(int Step, int Steps, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Remaining)
{
    /// <summary>One line for a log, e.g. <c>step 12/30  loss 1.2345  lr 9.1e-04  2,345 tok/s  ETA 0:31</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"step {Step}/{Steps}  loss {Loss:F4}  lr {LearningRate:0.0e+00}  {TokensPerSecond:N0} tok/s  ETA {(int)Remaining.TotalMinutes}:{Remaining.Seconds:00}");
}

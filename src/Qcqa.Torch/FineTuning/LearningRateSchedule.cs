namespace Qcqa.Torch.FineTuning;

/// <summary>
/// Linear warm-up to the peak, then cosine decay to <c>peak · minRatio</c> at the last step:
/// lr(s) = peak · (s+1)/W for s &lt; W, else min + (peak − min) · (1 + cos(π · (s−W)/(S−1−W))) / 2, with s zero-based.
/// </summary>
/// <param name="Peak">Peak learning rate.</param>
/// <param name="MinRatio">Final learning rate as a fraction of the peak.</param>
/// <param name="WarmupSteps">Warm-up length W.</param>
/// <param name="TotalSteps">Total steps S.</param>
public sealed record LearningRateSchedule(double Peak, double MinRatio, int WarmupSteps, int TotalSteps)
{
    /// <summary>The learning rate of zero-based step <paramref name="step"/>.</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        var decaySteps = Math.Max(1, TotalSteps - 1 - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        var min = Peak * MinRatio;
        return min + (Peak - min) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}

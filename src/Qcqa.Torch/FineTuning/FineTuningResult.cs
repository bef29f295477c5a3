namespace Qcqa.Torch.FineTuning;

/// <summary>What a fine-tuning run did.</summary>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Tokens">Training tokens seen (predicted positions): steps × batch tokens.</param>
/// <param name="FirstLoss">The loss of the first step (the model as loaded), in nats per token.</param>
/// <param name="LastLoss">The loss of the last step (before its update).</param>
/// <param name="Losses">The loss of every step, in order.</param>
/// <param name="Seconds">Wall time of the training loop (loading excluded).</param>
/// <param name="TokensPerSecond">Training tokens per second over the loop.</param>
/// <param name="TrainedParameters">Number of scalar parameters trained.</param>
/// <param name="Threads">libtorch's intra-op thread count during the run (results are reproducible for a given seed and thread count).</param>
/// <param name="Device">The device trained on, e.g. <c>cpu</c>.</param>
public sealed record FineTuningResult(int Steps, long Tokens, double FirstLoss, double LastLoss, IReadOnlyList<double> Losses,
    double Seconds, double TokensPerSecond, long TrainedParameters, int Threads, string Device);

namespace Qcqa.ReferenceModel;

/// <summary>What a training run did, for the report.</summary>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="TokensSeen">Tokens predicted in training (steps × batch × sequence).</param>
/// <param name="WallSeconds">Wall time of the training loop (including the periodic evaluations).</param>
/// <param name="FinalTrainingLoss">Mean training loss (nats per byte) over the last <see cref="FinalLossWindow"/> steps.</param>
/// <param name="FinalLossWindow">Steps averaged for <paramref name="FinalTrainingLoss"/>.</param>
/// <param name="StoppedEarly">True when the time guard stopped the run before the planned steps.</param>
/// <param name="PlannedSteps">The step count the schedule was built for.</param>
/// <param name="Log">The logged points.</param>
/// <param name="Evaluations">The periodic held-out sample evaluations.</param>
public sealed record TrainingSummary(
    int Steps,
    long TokensSeen,
    double WallSeconds,
    double FinalTrainingLoss,
    int FinalLossWindow,
    bool StoppedEarly,
    int PlannedSteps,
    IReadOnlyList<TrainingLogPoint> Log,
    IReadOnlyList<(int Step, double Perplexity)> Evaluations);

/// <summary>One log line of a training run.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Loss">Mean training loss over the interval, nats per byte.</param>
/// <param name="LearningRate">The learning rate of the last step.</param>
/// <param name="GradientNorm">The last step's gradient norm before clipping.</param>
/// <param name="TokensPerSecond">Training throughput over the interval.</param>
/// <param name="ElapsedSeconds">Since the loop started.</param>
public sealed record TrainingLogPoint(int Step, double Loss, double LearningRate, double GradientNorm, double TokensPerSecond, double ElapsedSeconds);

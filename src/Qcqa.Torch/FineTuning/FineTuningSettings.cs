using System.Globalization;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// Settings of a fine-tuning run (<see cref="FineTuner"/>). The text is not a setting: the caller tokenizes it
/// (<c>Qcqa.Torch.Text.TokenizedText</c>) and passes the ids. Every default is the recipe described in the folder's
/// README; <see cref="Validate"/> checks a combination before anything is loaded.
/// </summary>
public sealed record FineTuningSettings
{
    /// <summary>Steps run when neither <see cref="Steps"/> nor <see cref="Tokens"/> is given.</summary>
    public const int DefaultSteps = 30;

    /// <summary>Optimiser steps; give this or <see cref="Tokens"/>, not both. Null with both null means <see cref="DefaultSteps"/>.</summary>
    public int? Steps { get; init; }

    /// <summary>
    /// Training tokens (predicted positions) instead of a step count: the run takes ⌈Tokens / <see cref="BatchTokens"/>⌉
    /// steps, so it sees at least this many. Give this or <see cref="Steps"/>, not both.
    /// </summary>
    public long? Tokens { get; init; }

    /// <summary>Peak learning rate of AdamW (reached after the warm-up).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Tokens per optimiser step: <see cref="SequenceLength"/> times the number of windows in a batch; a multiple of it.</summary>
    public int BatchTokens { get; init; } = 4096;

    /// <summary>Tokens per window (the model predicts each one from the window's earlier tokens); at most the model's <c>max_position_embeddings</c>.</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>What is minimised; <see cref="FineTuningLoss.Distillation"/> needs the original model as teacher.</summary>
    public FineTuningLoss Loss { get; init; } = FineTuningLoss.CrossEntropy;

    /// <summary>Which tensors are trained; the others stay bit-identical.</summary>
    public TrainableParameters Parameters { get; init; } = TrainableParameters.Attention;

    /// <summary>Seed of the data order (which windows each step sees). Training is deterministic for a given seed and libtorch thread count.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Fraction of the steps spent warming the learning rate up linearly (0 ≤ f &lt; 1); the warm-up is ⌈f · steps⌉ steps.</summary>
    public double WarmupFraction { get; init; } = 0.1;

    /// <summary>Final learning rate as a fraction of the peak: the cosine decay ends there at the last step (0 ≤ r ≤ 1).</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;

    /// <summary>AdamW's decoupled weight decay, applied to matrices only (not to biases or norm weights); 0 keeps the weights where the data puts them.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Largest global L2 norm of the gradient of all trained tensors; larger gradients are scaled down to it.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>What error messages call the run (for example the variant name), or null.</summary>
    public string? Label { get; init; }

    /// <summary>
    /// Layer-wise training only: a step's batch is backpropagated in parts of about this many tokens (at least one
    /// window), their gradients accumulated, so one part's activations are alive at a time. The step is the same
    /// whatever the size, up to float32 summation order; only memory and speed change.
    /// </summary>
    public int LayerwisePartTokens { get; init; } = 1024;

    /// <summary>Windows per part of a layer-wise step (<see cref="LayerwisePartTokens"/>, at least one window, at most a batch).</summary>
    public int LayerwisePartWindows => Math.Clamp(LayerwisePartTokens / Math.Max(1, SequenceLength), 1, Math.Max(1, WindowsPerStep));

    /// <summary>Windows per batch: <see cref="BatchTokens"/> / <see cref="SequenceLength"/>.</summary>
    public int WindowsPerStep => BatchTokens / Math.Max(1, SequenceLength);

    /// <summary>The number of optimiser steps the run takes (from <see cref="Steps"/>, <see cref="Tokens"/> or the default).</summary>
    public int PlannedSteps => Steps ?? (Tokens is { } tokens ? (int)Math.Min(int.MaxValue, StepsFor(tokens)) : DefaultSteps);

    /// <summary>Warm-up steps: ⌈<see cref="WarmupFraction"/> · <see cref="PlannedSteps"/>⌉.</summary>
    public int WarmupSteps => (int)Math.Ceiling(WarmupFraction * PlannedSteps);

    /// <summary>The learning rate of every step.</summary>
    public LearningRateSchedule Schedule => new(LearningRate, MinLearningRateRatio, WarmupSteps, PlannedSteps);

    /// <summary>
    /// Every setting that changes the trained weights, resolved and spelled canonically (invariant culture, shortest
    /// round-trip numbers, spec spellings), e.g. <c>steps=30;learning_rate=0.001;…;loss=ce;params=attention;seed=1;…</c>:
    /// two settings with the same identity train the same weights from the same checkpoint and text (on the same
    /// device and thread count), so a cache can key on it. <see cref="Label"/> is not part of it.
    /// </summary>
    public string Identity => string.Create(CultureInfo.InvariantCulture,
        $"steps={PlannedSteps};learning_rate={Format(LearningRate)};batch_tokens={BatchTokens};sequence_length={SequenceLength};" +
        $"loss={(Loss == FineTuningLoss.Distillation ? "kd" : "ce")};params={(Parameters == TrainableParameters.All ? "all" : "attention")};seed={Seed};" +
        $"warmup_fraction={Format(WarmupFraction)};min_learning_rate_ratio={Format(MinLearningRateRatio)};weight_decay={Format(WeightDecay)};gradient_clip={Format(GradientClip)}");

    /// <summary>"Fine-tuning" or "Fine-tuning 'label'", how messages start.</summary>
    internal string Subject => Label is null ? "Fine-tuning" : $"Fine-tuning '{Label}'";

    /// <summary>Checks every setting on its own and against the others.</summary>
    /// <exception cref="QcqaException">QCQA003 naming the first bad setting, its value and what it must be.</exception>
    public void Validate()
    {
        if (Steps is not null && Tokens is not null)
            Fail($"Steps ({Steps}) and Tokens ({Tokens}) are both set; give one of them.");
        if (Steps is < 1) Fail($"Steps must be at least 1 (got {Steps}).");
        if (Tokens is < 1) Fail($"Tokens must be at least 1 (got {Tokens}).");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0) Fail($"LearningRate must be a positive number (got {Format(LearningRate)}).");
        if (SequenceLength < 1) Fail($"SequenceLength must be at least 1 (got {SequenceLength}).");
        if (BatchTokens < SequenceLength || BatchTokens % SequenceLength != 0)
            Fail($"BatchTokens ({BatchTokens}) must be a positive multiple of SequenceLength ({SequenceLength}): a batch is a whole number of windows.");
        if (Tokens is { } tokens && StepsFor(tokens) > int.MaxValue)
            Fail($"Tokens ({tokens}) needs more than {int.MaxValue} steps of {BatchTokens} tokens.");
        if (!Enum.IsDefined(Loss)) Fail($"Loss {(int)Loss} is not a known loss; use CrossEntropy or Distillation.");
        if (!Enum.IsDefined(Parameters)) Fail($"Parameters {(int)Parameters} is not a known choice; use Attention or All.");
        if (!(WarmupFraction >= 0 && WarmupFraction < 1)) Fail($"WarmupFraction must be in [0, 1) (got {Format(WarmupFraction)}).");
        if (!(MinLearningRateRatio >= 0 && MinLearningRateRatio <= 1)) Fail($"MinLearningRateRatio must be in [0, 1] (got {Format(MinLearningRateRatio)}).");
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0) Fail($"WeightDecay must be a non-negative number (got {Format(WeightDecay)}).");
        if (!double.IsFinite(GradientClip) || GradientClip <= 0) Fail($"GradientClip must be a positive number (got {Format(GradientClip)}).");
    }

    // ⌈tokens / BatchTokens⌉ without overflow.
    private long StepsFor(long tokens)
    {
        var batch = Math.Max(1, BatchTokens);
        return tokens / batch + (tokens % batch > 0 ? 1 : 0);
    }

    private void Fail(string message) => throw new QcqaException(ErrorCodes.BadArgument, $"{Subject}: {message}");

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

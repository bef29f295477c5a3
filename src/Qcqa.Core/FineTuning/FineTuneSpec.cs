using System.Globalization;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.FineTuning;

/// <summary>
/// A variant's <c>finetune</c> mapping: uptraining of the compressed checkpoint (the paper fine-tunes after grouping).
/// Keys left out take the engine's defaults; <see cref="Identity"/> names every setting that changes the weights.
/// </summary>
/// <param name="TextPath">Full path of the training text; the model's calibration text when the spec leaves it out.</param>
/// <param name="Steps">Optimiser steps, or null.</param>
/// <param name="Tokens">Training tokens (steps = ⌈tokens / batch_tokens⌉), or null; at most one of the two.</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="BatchTokens">Tokens per step (a multiple of <paramref name="SequenceLength"/>).</param>
/// <param name="SequenceLength">Tokens per training window.</param>
/// <param name="Loss">Cross-entropy (the paper's) or distillation from the original model.</param>
/// <param name="Parameters">Which tensors train.</param>
/// <param name="Seed">Seed of the window order.</param>
/// <param name="Location">Where the mapping was written.</param>
public sealed record FineTuneSpec(
    string TextPath,
    int? Steps,
    long? Tokens,
    double LearningRate,
    int BatchTokens,
    int SequenceLength,
    FineTuneLoss Loss,
    FineTuneParameters Parameters,
    int Seed,
    SourceLocation Location = default)
{
    /// <summary>Default peak learning rate.</summary>
    public const double DefaultLearningRate = 1e-3;

    /// <summary>Default tokens per step.</summary>
    public const int DefaultBatchTokens = 4096;

    /// <summary>Default window length.</summary>
    public const int DefaultSequenceLength = 256;

    /// <summary>
    /// How training runs; <see cref="FineTuneMode.Auto"/> until the fine-tuner resolves it against the memory limit
    /// (<see cref="IFineTuner.CheckMemory"/>), which the build does before it forms the cache key.
    /// </summary>
    public FineTuneMode Mode { get; init; } = FineTuneMode.Auto;

    /// <summary>
    /// Every setting that changes the trained weights except the text's content, canonically spelled. The mode is
    /// named unless it is end-to-end, so end-to-end runs keep the key they had before layer-wise training existed.
    /// </summary>
    public string Identity => string.Create(CultureInfo.InvariantCulture,
        $"steps={Steps?.ToString(CultureInfo.InvariantCulture) ?? "-"};tokens={Tokens?.ToString(CultureInfo.InvariantCulture) ?? "-"};" +
        $"learning_rate={LearningRate:R};batch_tokens={BatchTokens};sequence_length={SequenceLength};loss={Loss.ToSpecName()};" +
        $"params={Parameters.ToSpecName()};seed={Seed}{(Mode == FineTuneMode.EndToEnd ? "" : ";mode=" + Mode.ToSpecName())}");
}

/// <summary>The fine-tuning objective.</summary>
public enum FineTuneLoss
{
    /// <summary><c>ce</c>: next-token cross-entropy on the text (the paper's).</summary>
    CrossEntropy,

    /// <summary><c>kd</c>: KL divergence from the original model's next-token distribution (distillation).</summary>
    Distillation,
}

/// <summary>Which tensors fine-tuning trains.</summary>
public enum FineTuneParameters
{
    /// <summary><c>attention</c>: the q/k/v/o projections only (what the merge changed).</summary>
    Attention,

    /// <summary><c>all</c>: every tensor.</summary>
    All,
}

/// <summary>Spec spellings of the fine-tuning choices.</summary>
public static class FineTuneNames
{
    /// <summary>The <c>loss</c> values.</summary>
    public static IReadOnlyDictionary<string, FineTuneLoss> Losses { get; } = new Dictionary<string, FineTuneLoss>(StringComparer.Ordinal)
    {
        ["ce"] = FineTuneLoss.CrossEntropy,
        ["kd"] = FineTuneLoss.Distillation,
    };

    /// <summary>The <c>params</c> values.</summary>
    public static IReadOnlyDictionary<string, FineTuneParameters> Parameters { get; } = new Dictionary<string, FineTuneParameters>(StringComparer.Ordinal)
    {
        ["attention"] = FineTuneParameters.Attention,
        ["all"] = FineTuneParameters.All,
    };

    /// <summary>The <c>mode</c> values.</summary>
    public static IReadOnlyDictionary<string, FineTuneMode> Modes { get; } = new Dictionary<string, FineTuneMode>(StringComparer.Ordinal)
    {
        ["auto"] = FineTuneMode.Auto,
        ["end-to-end"] = FineTuneMode.EndToEnd,
        ["layerwise"] = FineTuneMode.LayerWise,
    };

    /// <summary>The spec spelling of a mode.</summary>
    public static string ToSpecName(this FineTuneMode mode) => Modes.First(p => p.Value == mode).Key;

    /// <summary>The spec spelling of a loss.</summary>
    public static string ToSpecName(this FineTuneLoss loss) => Losses.First(p => p.Value == loss).Key;

    /// <summary>The spec spelling of a parameter choice.</summary>
    public static string ToSpecName(this FineTuneParameters parameters) => Parameters.First(p => p.Value == parameters).Key;
}

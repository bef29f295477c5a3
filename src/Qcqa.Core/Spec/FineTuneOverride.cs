using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;

namespace Qcqa.Core.Spec;

/// <summary>A <c>finetune</c> mapping as written: only the keys present, to be layered over the defaults' mapping.</summary>
/// <param name="TextPath">The training text (full path), or null when the mapping leaves it out.</param>
/// <param name="Steps">Optimiser steps, or null.</param>
/// <param name="Tokens">Training tokens, or null.</param>
/// <param name="LearningRate">Peak learning rate, or null.</param>
/// <param name="BatchTokens">Tokens per step, or null.</param>
/// <param name="SequenceLength">Tokens per window, or null.</param>
/// <param name="Loss">The objective, or null.</param>
/// <param name="Parameters">Which tensors train, or null.</param>
/// <param name="Seed">Seed of the window order, or null.</param>
/// <param name="Mode">End-to-end, layer-wise or auto, or null.</param>
/// <param name="Location">Where the mapping was written.</param>
/// <param name="WindowAt">
/// Where the most specific mapping that sets <c>batch_tokens</c> or <c>sequence_length</c> sets them (its batch_tokens key
/// when it has one): the two are checked together once layered, and a mismatch is reported where the user last set them.
/// </param>
internal sealed record FineTuneOverride(
    string? TextPath, int? Steps, long? Tokens, double? LearningRate, int? BatchTokens, int? SequenceLength,
    FineTuneLoss? Loss, FineTuneParameters? Parameters, int? Seed, FineTuneMode? Mode, SourceLocation Location, SourceLocation? WindowAt = null)
{
    /// <summary>This override's keys over <paramref name="fallback"/>'s (the later one's location wins).</summary>
    internal FineTuneOverride Over(FineTuneOverride? fallback) => fallback is null ? this : new(
        TextPath ?? fallback.TextPath,
        Steps ?? (Tokens is null ? fallback.Steps : null),
        Tokens ?? (Steps is null ? fallback.Tokens : null),
        LearningRate ?? fallback.LearningRate,
        BatchTokens ?? fallback.BatchTokens,
        SequenceLength ?? fallback.SequenceLength,
        Loss ?? fallback.Loss,
        Parameters ?? fallback.Parameters,
        Seed ?? fallback.Seed,
        Mode ?? fallback.Mode,
        Location,
        WindowAt ?? fallback.WindowAt);

    /// <summary>Tokens per step once layered (the built-in default when no mapping sets it).</summary>
    internal int EffectiveBatchTokens => BatchTokens ?? FineTuneSpec.DefaultBatchTokens;

    /// <summary>Tokens per window once layered (the built-in default when no mapping sets it).</summary>
    internal int EffectiveSequenceLength => SequenceLength ?? FineTuneSpec.DefaultSequenceLength;

    /// <summary>The settled spec, with <paramref name="defaultText"/> when no text was given (null when there is none).</summary>
    internal FineTuneSpec? Resolve(string? defaultText)
    {
        var text = TextPath ?? defaultText;
        if (text is null) return null;
        return new FineTuneSpec(text, Steps, Tokens, LearningRate ?? FineTuneSpec.DefaultLearningRate, EffectiveBatchTokens,
            EffectiveSequenceLength, Loss ?? FineTuneLoss.CrossEntropy, Parameters ?? FineTuneParameters.Attention, Seed ?? 1, Location)
        {
            Mode = Mode ?? FineTuneMode.Auto,
        };
    }
}

using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;

namespace Qcqa.Core.Spec;

/// <summary>A <c>finetune</c> mapping as written: only the keys present, to be layered over the defaults' mapping.</summary>
internal sealed record FineTuneOverride(
    string? TextPath, int? Steps, long? Tokens, double? LearningRate, int? BatchTokens, int? SequenceLength,
    FineTuneLoss? Loss, FineTuneParameters? Parameters, int? Seed, SourceLocation Location)
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
        Location);

    /// <summary>The settled spec, with <paramref name="defaultText"/> when no text was given (null when there is none).</summary>
    internal FineTuneSpec? Resolve(string? defaultText)
    {
        var text = TextPath ?? defaultText;
        if (text is null) return null;
        return new FineTuneSpec(text, Steps, Tokens, LearningRate ?? FineTuneSpec.DefaultLearningRate, BatchTokens ?? FineTuneSpec.DefaultBatchTokens,
            SequenceLength ?? FineTuneSpec.DefaultSequenceLength, Loss ?? FineTuneLoss.CrossEntropy, Parameters ?? FineTuneParameters.Attention, Seed ?? 1, Location);
    }
}

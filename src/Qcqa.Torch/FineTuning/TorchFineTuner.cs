using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Memory;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// The build's fine-tuner: a variant's <c>finetune</c> recipe (<see cref="FineTuneSpec"/>) run by <see cref="FineTuner"/>
/// (end-to-end) or <see cref="LayerwiseFineTuner"/> (layer-wise, chosen by <see cref="FineTuningMemoryPlan"/> under
/// <c>auto</c>) on the whole training text under the original model's tokenizer, written by <see cref="FineTunedCheckpointWriter"/>
/// with the build's stamp placed before the folder is renamed into place.
/// </summary>
public sealed class TorchFineTuner : IFineTuner
{
    /// <inheritdoc />
    public string CodeVersion => TorchCode.Version;

    /// <inheritdoc />
    public FineTuneReport FineTune(string compressedFolder, string originalFolder, FineTuneSpec spec, string label, string device, MemoryLimit memory,
        string outputFolder, Action<string> beforeCommit, IProgress<FineTuneStep>? progress, CancellationToken cancellation)
    {
        Preconditions.CheckNotNull(compressedFolder);
        Preconditions.CheckNotNull(originalFolder);
        Preconditions.CheckNotNull(spec);
        var mode = CheckMemory(originalFolder, spec, label, memory);
        var settings = SettingsOf(spec, label);
        // The original's tokenizer: the merged folder carries a copy, but the original is what the spec names.
        var tokens = TokenizedText.Load(ModelTokenizer.Load(originalFolder), spec.TextPath).Tokens;
        var options = new FineTunedWriteOptions { BeforeCommit = beforeCommit };
        var steps = progress is null ? null : new StepProgress(progress);
        var (result, _) = mode == FineTuneMode.LayerWise
            ? LayerwiseFineTuner.TrainAndWrite(compressedFolder, originalFolder, tokens, settings, device, outputFolder, options, steps, cancellation)
            : FineTuner.TrainAndWrite(compressedFolder, spec.Loss == FineTuneLoss.Distillation ? originalFolder : null, tokens, settings, device,
                outputFolder, options, steps, cancellation);
        return new FineTuneReport(result.Steps, result.Tokens, result.FirstLoss, result.LastLoss, result.Seconds) { Mode = mode };
    }

    /// <inheritdoc />
    public FineTuneMode CheckMemory(string originalFolder, FineTuneSpec spec, string label, MemoryLimit memory)
    {
        Preconditions.CheckNotNull(originalFolder);
        Preconditions.CheckNotNull(spec);
        Preconditions.CheckNotNull(memory);
        var settings = SettingsOf(spec, label);
        settings.Validate();
        using var checkpoint = Checkpoint.Open(originalFolder);
        return FineTuningMemoryPlan.Choose(CheckpointModelLoader.ReadConfig(checkpoint), settings, spec.Mode, memory);
    }

    /// <summary>The engine's settings for a spec recipe: the spec's keys, the engine's defaults for the schedule.</summary>
    /// <param name="spec">The variant's recipe.</param>
    /// <param name="label">Names the run in messages.</param>
    public static FineTuningSettings SettingsOf(FineTuneSpec spec, string? label)
    {
        Preconditions.CheckNotNull(spec);
        return new FineTuningSettings
        {
            Steps = spec.Steps,
            Tokens = spec.Tokens,
            LearningRate = spec.LearningRate,
            BatchTokens = spec.BatchTokens,
            SequenceLength = spec.SequenceLength,
            Loss = spec.Loss == FineTuneLoss.Distillation ? FineTuningLoss.Distillation : FineTuningLoss.CrossEntropy,
            Parameters = spec.Parameters == FineTuneParameters.All ? TrainableParameters.All : TrainableParameters.Attention,
            Seed = spec.Seed,
            Label = label,
        };
    }

    // The engine's per-step report in the build's terms.
    private sealed class StepProgress(IProgress<FineTuneStep> inner) : IProgress<FineTuningProgress>
    {
        public void Report(FineTuningProgress value)
            => inner.Report(new FineTuneStep(value.Step, value.Steps, value.Loss, value.TokensPerSecond, value.Remaining.TotalSeconds));
    }
}

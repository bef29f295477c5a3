using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Build;
using Qcqa.Core.Cache;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Merge;
using Qcqa.Core.Spec;
using Qcqa.Core.Progress;
using Serilog;

namespace Qcqa.Core.FineTuning;

/// <summary>
/// The fine-tuning stage: trains a variant's merged checkpoint (Qcqa.Torch, <see cref="IFineTuner"/>) into the variant's
/// folder, in the same checkpoint form, with an up-to-date stamp keyed by what decides the trained weights — the merged
/// checkpoint's content, the text's content, the recipe and the code — so a no-op build never trains again and an
/// edited setting retrains that variant alone. The trained checkpoint is published to the checkpoint cache under that
/// identity, so a deleted or cleaned output is restored by a copy, never by training again.
/// </summary>
/// <param name="fineTuner">The libtorch side; null where it is not available (then asking for fine-tuning is an error).</param>
/// <param name="log">Receives progress and the run's figures.</param>
/// <param name="dependencies">Records the training texts as build inputs.</param>
/// <param name="progress">Told when a variant's training starts, after each tenth of it (step, loss, speed, time left), and when it ends.</param>
/// <param name="checkpoints">Where trained checkpoints are kept and restored from; null trains whenever the output is not current.</param>
public sealed class FineTuneStage(IFineTuner? fineTuner, ILogger log, DependencyFileWriter dependencies, BuildProgress? progress = null,
    CheckpointCache? checkpoints = null)
{
    private readonly BuildProgress _progress = progress ?? BuildProgress.None;

    // Variants usually share one training text: hash it once per build, not once per variant.
    private readonly Dictionary<string, string> _textHashes = new(StringComparer.Ordinal);
    /// <summary>Trains and writes the variant, unless its stamp says the same inputs already produced it.</summary>
    /// <exception cref="QcqaException">
    /// Positioned at the spec's finetune mapping when the text is unusable; QCQA081 naming the variant and step when the
    /// loss diverges (nothing is written); QCQA060 when the device is unavailable.
    /// </exception>
    /// <param name="input">What to train and where.</param>
    /// <param name="merge">Writes the merged checkpoint when training has to run.</param>
    /// <param name="cancellation">Stops the merge or the training; nothing is left behind.</param>
    public FineTuneOutput Run(FineTuneInput input, MergeStage merge, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(merge);
        Preconditions.CheckNotNull(input);
        // The mode that will run is part of the key: an 'auto' run that a lower limit turns layer-wise must not reuse
        // the end-to-end result (nor the other way round).
        var spec = fineTuner is null ? input.Spec : input.Spec with { Mode = fineTuner.CheckMemory(input.OriginalFolder, input.Spec, input.Label, input.Memory) };
        if (!File.Exists(spec.TextPath))
            throw spec.Location.Error(ErrorCodes.BadEvaluationInput, $"The fine-tuning text file '{spec.TextPath}' does not exist.");
        dependencies.AddInput(spec.TextPath);
        var identity = CacheKeys.FineTuned(input.MergedIdentity, TextHash(spec.TextPath), spec.Identity, fineTuner?.CodeVersion ?? "");
        if (BuildStamp.IsUpToDate(input.OutputFolder, identity))
        {
            log.Debug("Fine-tuning {Label}: up to date", input.Label);
            _progress.Stage(BuildStages.FineTuning, input.Label).Finished("up to date");
            return new FineTuneOutput(input.OutputFolder, false, identity, null, Directory.EnumerateFiles(input.OutputFolder).ToArray());
        }
        var original = Path.GetFullPath(input.OriginalFolder);
        var key = CheckpointCache.KeyOf(identity);
        // Before the runtime check: restoring a trained checkpoint needs no libtorch.
        if (checkpoints is not null && CheckpointRestore.TryRestore(checkpoints, key, input.OutputFolder, [original],
                (temporary, names) => BuildStamp.Write(temporary, identity, original, names), cancellation))
        {
            log.Debug("Fine-tuning {Label}: restored from the cache", input.Label);
            _progress.Stage(BuildStages.FineTuning, input.Label).Finished("restored from cache");
            return new FineTuneOutput(input.OutputFolder, true, identity, null, Directory.EnumerateFiles(input.OutputFolder).ToArray(), Restored: true);
        }
        if (fineTuner is null)
            throw spec.Location.Error(ErrorCodes.RuntimeUnavailable, "Fine-tuning needs the tensor runtime (Qcqa.Torch), which this engine was built without.");

        var merged = merge.Run(input.Merge, cancellation);
        var files = Directory.EnumerateFiles(merged.Folder).Select(Path.GetFileName).Where(n => n != BuildStamp.FileName).Order(StringComparer.Ordinal).ToArray();
        var clock = Stopwatch.StartNew();
        var step = _progress.Stage(BuildStages.FineTuning, input.Label);
        step.Started((spec.Steps is { } steps ? $"{steps} steps" : $"{spec.Tokens:N0} tokens") + $", {spec.Mode.ToSpecName()}");
        var progress = new FineTuneProgressLog(log, step);
        FineTuneReport report;
        try
        {
            report = fineTuner.FineTune(merged.Folder, input.OriginalFolder, spec, input.Label, input.Device.ToSpecString(), input.Memory, input.OutputFolder,
                temporary =>
                {
                    BuildStamp.Write(temporary, identity, original, files!);
                    checkpoints?.Publish(key, temporary, MergeStage.BuiltFiles(temporary), cancellation);
                }, progress, cancellation);
        }
        catch (QcqaException e) when (e.Code == ErrorCodes.BadEvaluationInput && e.File == spec.TextPath)
        {
            throw spec.Location.Error(e.Code, $"{input.Label}: the fine-tuning text '{spec.TextPath}' cannot be used: {e.Message}");
        }
        // Layer-wise figures are the layers' mean relative output error on the first batch, before and after training.
        var figures = report.Mode == FineTuneMode.LayerWise
            ? string.Create(CultureInfo.InvariantCulture, $"{report.Steps} steps per layer, {report.Tokens:N0} tokens, layer error {report.FirstLoss:0.0000} → {report.LastLoss:0.0000}")
            : string.Create(CultureInfo.InvariantCulture, $"{report.Steps} steps, {report.Tokens:N0} tokens, loss {report.FirstLoss:0.0000} → {report.LastLoss:0.0000}");
        step.Finished(string.Create(CultureInfo.InvariantCulture, $"{figures} in {clock.Elapsed.TotalSeconds:0.0} s"));
        log.Debug("Fine-tuning {Label} ({Mode}): {Steps} steps, {Tokens:N0} tokens, loss {First:0.0000} → {Last:0.0000} in {Seconds:0.0} s",
            input.Label, spec.Mode.ToSpecName(), report.Steps, report.Tokens, report.FirstLoss, report.LastLoss, clock.Elapsed.TotalSeconds);
        return new FineTuneOutput(input.OutputFolder, true, identity, report, Directory.EnumerateFiles(input.OutputFolder).ToArray());
    }

    private string TextHash(string path)
    {
        if (!_textHashes.TryGetValue(path, out var hash)) _textHashes[path] = hash = ContentHash.ComputeFile(path);
        return hash;
    }

    // One progress line per tenth of the run (step, loss, speed and time left), every step in the debug log.
    private sealed class FineTuneProgressLog(ILogger log, StageProgress step) : IProgress<FineTuneStep>
    {
        private int _lastTenth = -1;

        public void Report(FineTuneStep value)
        {
            log.Debug("Fine-tuning {Label}: step {Step}/{Steps}, loss {Loss:0.0000}, {Speed:N0} tokens/s, {Left:0} s left",
                step.Subject, value.Step, value.Steps, value.Loss, value.TokensPerSecond, value.SecondsLeft);
            var tenth = value.Step * 10 / Math.Max(1, value.Steps);
            if (tenth == _lastTenth) return;
            _lastTenth = tenth;
            step.Advanced(string.Create(CultureInfo.InvariantCulture,
                $"step {value.Step}/{value.Steps}, loss {value.Loss:0.0000}, {value.TokensPerSecond:N0} tokens/s, {value.SecondsLeft:0} s left"));
        }
    }
}

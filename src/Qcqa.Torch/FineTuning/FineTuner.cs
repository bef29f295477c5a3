using System.Diagnostics;
using System.Globalization;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Families;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// Fine-tunes (uptrains) a checkpoint on token ids: AdamW, linear warm-up and cosine decay, global gradient-norm
/// clipping, float32, windows drawn from the text by a seeded generator (see the folder's README for the recipe).
/// Any checkpoint the runtime loads works: MHA, standard GQA, or per-layer maps. Everything that can fail cheaply
/// (settings, text, teacher's config, device) fails before the weights are read.
/// </summary>
public static class FineTuner
{
    /// <summary>Loads the checkpoint on <paramref name="deviceName"/> and trains it.</summary>
    /// <param name="checkpointFolder">The checkpoint to fine-tune (never modified).</param>
    /// <param name="teacherFolder">The original model, for <see cref="FineTuningLoss.Distillation"/>; not read for cross-entropy.</param>
    /// <param name="tokens">The training text as the model's token ids (at least one window, <see cref="FineTuningSettings.SequenceLength"/> + 1).</param>
    /// <param name="settings">The recipe.</param>
    /// <param name="deviceName"><c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellation">Checked before every step.</param>
    /// <returns>The trained model and the run's figures; the caller disposes it.</returns>
    /// <exception cref="QcqaException">
    /// QCQA003 for bad settings (or a distillation run without a teacher); QCQA080 for a checkpoint outside the Llama
    /// family, or when the text is shorter than one window or holds ids outside the vocabulary, or the teacher does not fit the model; QCQA081 naming the step when
    /// the loss or gradient norm becomes NaN or infinite; QCQA060 when the device or libtorch is unavailable; the
    /// checkpoint errors of <see cref="CheckpointModelLoader.Load"/> and QCQA016 for non-finite attention weights.
    /// </exception>
    /// <exception cref="OperationCanceledException">The run was cancelled (between steps).</exception>
    public static FineTunedModel Train(string checkpointFolder, string? teacherFolder, IReadOnlyList<long> tokens, FineTuningSettings settings,
        string deviceName, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(checkpointFolder);
        Preconditions.CheckNotNull(tokens);
        Preconditions.CheckNotNull(settings);
        Preconditions.CheckNotNull(deviceName);
        settings.Validate();
        var distilling = settings.Loss == FineTuningLoss.Distillation;
        if (distilling && teacherFolder is null)
            throw new QcqaException(ErrorCodes.BadArgument, $"{settings.Subject}: distillation needs the original model as teacher; give its folder.");

        using var checkpoint = OpenTrainable(checkpointFolder, settings);
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        CheckText(tokens, settings, config, checkpoint.Config.Path);
        using var teacherCheckpoint = distilling ? Checkpoint.Open(teacherFolder!) : null;
        if (teacherCheckpoint is not null) CheckTeacher(teacherCheckpoint, config, settings);
        // Initialises libtorch (TorchRuntime.EnsureInitialized) before anything touches TorchSharp.
        var device = QcqaDevice.Parse(deviceName);

        cancellation.ThrowIfCancellationRequested();
        var options = new CheckpointLoadOptions { Device = device };
        var model = CheckpointModelLoader.Load(checkpoint, options);
        try
        {
            using var teacher = teacherCheckpoint is null ? null : CheckpointModelLoader.Load(teacherCheckpoint, options);
            var (result, trained) = Run(model, teacher, tokens, settings, progress, cancellation);
            return new FineTunedModel(model, Path.GetFullPath(checkpoint.Folder), teacherCheckpoint is null ? null : Path.GetFullPath(teacherCheckpoint.Folder), trained, result);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Train"/>, then <see cref="FineTunedCheckpointWriter.Write(FineTunedModel, string, FineTunedWriteOptions?, CancellationToken)"/> into <paramref name="outputFolder"/>: the
    /// output appears complete or not at all (a failure or cancellation in either part leaves nothing behind).
    /// </summary>
    /// <param name="checkpointFolder">The checkpoint to fine-tune (never modified).</param>
    /// <param name="teacherFolder">The original model, for distillation.</param>
    /// <param name="tokens">The training text as token ids.</param>
    /// <param name="settings">The recipe.</param>
    /// <param name="deviceName"><c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</param>
    /// <param name="outputFolder">Where the fine-tuned checkpoint goes; replaced only if it is a previous QcqaBuild output.</param>
    /// <param name="writeOptions">Settings of the writer (extra files, flushing).</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellation">Checked before every step and between written tensors.</param>
    /// <returns>The run's figures and what was written.</returns>
    /// <exception cref="QcqaException">As <see cref="Train"/> and <see cref="FineTunedCheckpointWriter.Write(FineTunedModel, string, FineTunedWriteOptions?, CancellationToken)"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; nothing was written.</exception>
    public static (FineTuningResult Result, FineTunedCheckpoint Checkpoint) TrainAndWrite(string checkpointFolder, string? teacherFolder,
        IReadOnlyList<long> tokens, FineTuningSettings settings, string deviceName, string outputFolder, FineTunedWriteOptions? writeOptions = null,
        IProgress<FineTuningProgress>? progress = null, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(outputFolder);
        using var trained = Train(checkpointFolder, teacherFolder, tokens, settings, deviceName, progress, cancellation);
        return (trained.Result, FineTunedCheckpointWriter.Write(trained, outputFolder, writeOptions, cancellation));
    }

    /// <summary>Whether the tensor <paramref name="name"/> is trained under <paramref name="parameters"/>.</summary>
    /// <param name="name">A parameter (checkpoint tensor) name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
    /// <param name="parameters">Which tensors are trained.</param>
    public static bool IsTrained(string name, TrainableParameters parameters)
        => parameters == TrainableParameters.All || name.Contains(".self_attn.", StringComparison.Ordinal);

    private static (FineTuningResult Result, IReadOnlySet<string> Trained) Run(LlamaModel model, LlamaModel? teacher, IReadOnlyList<long> tokens,
        FineTuningSettings settings, IProgress<FineTuningProgress>? progress, CancellationToken cancellation)
    {
        var trainable = new List<Parameter>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var trained = IsTrained(name, settings.Parameters);
            parameter.requires_grad = trained;
            if (!trained) continue;
            trainable.Add(parameter);
            names.Add(name);
        }
        if (teacher is not null)
        {
            teacher.eval();
            foreach (var parameter in teacher.parameters()) parameter.requires_grad = false;
        }

        var steps = settings.PlannedSteps;
        var schedule = settings.Schedule;
        var sampler = new TokenWindowSampler(tokens, settings.WindowsPerStep, settings.SequenceLength, unchecked((ulong)settings.Seed));
        var losses = new double[steps];
        using var step = new TrainingStep(model, trainable, settings.WeightDecay, settings.GradientClip, teacher);
        model.train();
        var clock = Stopwatch.StartNew();
        for (var s = 0; s < steps; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var learningRate = schedule.At(s);
            TrainingStepOutcome outcome;
            using (NewDisposeScope())
            {
                var (inputs, targets) = sampler.Next();
                outcome = step.Run(inputs, targets, learningRate);
            }
            if (!outcome.Updated) throw Diverged(settings, s + 1, steps, outcome, learningRate);
            losses[s] = outcome.Loss;
            var elapsed = clock.Elapsed;
            var perStep = elapsed / (s + 1);
            progress?.Report(new FineTuningProgress(s + 1, steps, outcome.Loss, learningRate,
                (s + 1) * (double)settings.BatchTokens / Math.Max(1e-9, elapsed.TotalSeconds), perStep * (steps - s - 1)));
        }
        clock.Stop();
        model.eval();
        var seconds = clock.Elapsed.TotalSeconds;
        var tokenCount = (long)steps * settings.BatchTokens;
        var result = new FineTuningResult(steps, tokenCount, losses[0], losses[^1], losses, seconds, tokenCount / Math.Max(1e-9, seconds),
            trainable.Sum(p => p.numel()), get_num_threads(), model.Device.ToString());
        return (result, names);
    }

    /// <summary>Opens a checkpoint that is to be trained, refusing what the trainers cannot write back.</summary>
    /// <param name="folder">The merged checkpoint.</param>
    /// <param name="settings">Names the run in messages.</param>
    /// <exception cref="QcqaException">A family other than Llama; a non-finite attention weight.</exception>
    internal static Checkpoint OpenTrainable(string folder, FineTuningSettings settings)
    {
        var checkpoint = Checkpoint.Open(folder);
        try
        {
            // The trained weights are written back under the runtime's parameter names, which are the checkpoint's own
            // only for the Llama family; a fused Phi-3 or GPT-NeoX tensor would need its rows put back together.
            if (checkpoint.Family is not LlamaFamily)
                throw new QcqaException(ErrorCodes.BadFineTuningInput,
                    $"{settings.Subject}: fine-tuning supports Llama-family checkpoints only; this is a {checkpoint.Family.Name} checkpoint. Build the variant without fine-tuning.",
                    checkpoint.Config.Path);
            checkpoint.CheckAttentionFinite();
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    internal static void CheckText(IReadOnlyList<long> tokens, FineTuningSettings settings, LlamaConfig config, string configPath)
    {
        if (settings.SequenceLength > config.MaxPositionEmbeddings)
            throw new QcqaException(ErrorCodes.BadArgument,
                $"{settings.Subject}: SequenceLength ({settings.SequenceLength}) exceeds the model's max_position_embeddings ({config.MaxPositionEmbeddings}).", configPath);
        if (tokens.Count <= settings.SequenceLength)
            throw new QcqaException(ErrorCodes.BadFineTuningInput,
                $"{settings.Subject}: the text gives {tokens.Count} token(s), shorter than one window of SequenceLength + 1 = {settings.SequenceLength + 1} tokens; give a longer text or a shorter SequenceLength.");
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] >= 0 && tokens[i] < config.VocabSize) continue;
            throw new QcqaException(ErrorCodes.BadFineTuningInput,
                $"{settings.Subject}: token {i} of the text has id {tokens[i]}, outside the model's vocabulary [0, {config.VocabSize}); tokenize the text with the model's own tokenizer.", configPath);
        }
    }

    private static void CheckTeacher(Checkpoint teacher, LlamaConfig student, FineTuningSettings settings)
    {
        var config = CheckpointModelLoader.ReadConfig(teacher);
        if (config.VocabSize != student.VocabSize)
            throw new QcqaException(ErrorCodes.BadFineTuningInput,
                $"{settings.Subject}: the teacher's vocab_size ({config.VocabSize}) differs from the model's ({student.VocabSize}); distillation needs the original model the checkpoint was made from.",
                teacher.Config.Path);
        if (settings.SequenceLength > config.MaxPositionEmbeddings)
            throw new QcqaException(ErrorCodes.BadFineTuningInput,
                $"{settings.Subject}: SequenceLength ({settings.SequenceLength}) exceeds the teacher's max_position_embeddings ({config.MaxPositionEmbeddings}).",
                teacher.Config.Path);
        teacher.CheckAttentionFinite();
    }

    internal static QcqaException Diverged(FineTuningSettings settings, int step, int steps, TrainingStepOutcome outcome, double learningRate)
    {
        var what = double.IsFinite(outcome.Loss)
            ? $"the gradient norm became {Describe(outcome.GradientNorm)}"
            : $"the loss became {Describe(outcome.Loss)}";
        return new QcqaException(ErrorCodes.FineTuningDiverged, string.Create(CultureInfo.InvariantCulture,
            $"{settings.Subject} diverged at step {step} of {steps}: {what} (learning rate {learningRate:G3}). Nothing was written; lower the learning rate, or check the model's weights for NaN and infinity."));
    }

    private static string Describe(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
}

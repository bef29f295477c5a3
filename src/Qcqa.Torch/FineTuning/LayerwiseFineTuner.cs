using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Families;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Streaming;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// Layer-wise fine-tuning, for models whose end-to-end training does not fit: one decoder layer of each model resident.
/// The original model is streamed layer by layer over the same windows end-to-end training would see (the same
/// sampler, seed and step count); for each layer, the merged layer's trainable tensors (the same ones end-to-end
/// trains) take one AdamW step per batch, with the same schedule, to minimise how far the merged layer's output is from
/// the original layer's output: Σ‖g(x̃) − f(x)‖² / Σ‖f(x) − x‖², the share of the original layer's update it misses.
/// The merged layer reads the merged model's own input x̃ (the output of the merged layers before it, already trained),
/// so each layer also learns to correct the error that reaches it; the target is always the original's.
/// </summary>
/// <remarks>
/// A layer that already reproduces the original to float32 rounding (an exact merge) is not trained: Adam would scale
/// its rounding-noise gradients up to full-size steps. Trained tensors are spilled to a temporary folder as float32
/// and written into the merged checkpoint's form by <see cref="FineTunedCheckpointWriter"/>, so memory holds one
/// layer's worth at a time. The residual streams of every training token stay in memory (the memory plan counts them).
/// </remarks>
public static class LayerwiseFineTuner
{
    /// <summary>A layer whose relative error is below this before training is an exact merge and is left as it is.</summary>
    public const double ExactError = 1e-9;

    /// <summary>Trains <paramref name="mergedFolder"/> layer by layer against <paramref name="originalFolder"/> and writes the result.</summary>
    /// <param name="mergedFolder">The merged checkpoint (never modified).</param>
    /// <param name="originalFolder">The original model whose layers are the targets.</param>
    /// <param name="tokens">The training text as token ids.</param>
    /// <param name="settings">The recipe (<see cref="FineTuningSettings.Loss"/> does not apply: the objective is the layer's output).</param>
    /// <param name="deviceName"><c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</param>
    /// <param name="outputFolder">Where the fine-tuned checkpoint goes.</param>
    /// <param name="writeOptions">Settings of the writer.</param>
    /// <param name="progress">Receives a report after every step of every layer (step counts over all layers).</param>
    /// <param name="cancellation">Checked before every step; nothing is written on cancellation.</param>
    /// <returns>The run's figures and what was written. Steps are per layer; losses are relative errors; the first and last
    /// are each layer's error on the first batch before and after its training, averaged over the layers.</returns>
    /// <exception cref="QcqaException">As <see cref="FineTuner.Train"/>; QCQA080 when the two checkpoints do not have the same layers.</exception>
    public static (FineTuningResult Result, FineTunedCheckpoint Checkpoint) TrainAndWrite(string mergedFolder, string originalFolder,
        IReadOnlyList<long> tokens, FineTuningSettings settings, string deviceName, string outputFolder, FineTunedWriteOptions? writeOptions = null,
        IProgress<FineTuningProgress>? progress = null, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(mergedFolder);
        Preconditions.CheckNotNull(originalFolder);
        Preconditions.CheckNotNull(tokens);
        Preconditions.CheckNotNull(settings);
        Preconditions.CheckNotNull(outputFolder);
        settings.Validate();
        using var merged = FineTuner.OpenTrainable(mergedFolder, settings);
        using var original = Checkpoint.Open(originalFolder);
        var config = CheckpointModelLoader.ReadConfig(merged);
        var originalConfig = CheckpointModelLoader.ReadConfig(original);
        if (originalConfig.NumHiddenLayers != config.NumHiddenLayers || originalConfig.HiddenSize != config.HiddenSize || originalConfig.VocabSize != config.VocabSize)
            throw new QcqaException(ErrorCodes.BadFineTuningInput,
                $"{settings.Subject}: the original model ({originalConfig.NumHiddenLayers} layers of width {originalConfig.HiddenSize}) does not match the merged one ({config.NumHiddenLayers} of width {config.HiddenSize}); layer-wise training needs the model it was merged from.",
                original.Config.Path);
        FineTuner.CheckText(tokens, settings, config, merged.Config.Path);
        var device = QcqaDevice.Parse(deviceName);
        cancellation.ThrowIfCancellationRequested();

        var spill = Directory.CreateTempSubdirectory("qcqa-layerwise-");
        try
        {
            var streaming = new StreamingOptions { Device = device, Residency = LayerResidency.Streamed };
            using var originalWeights = CheckpointDecoderWeights.Open(original, streaming);
            using var mergedWeights = CheckpointDecoderWeights.Open(merged, streaming);
            var (result, trained) = Train(originalWeights, mergedWeights, tokens, settings, spill.FullName, progress, cancellation);
            var written = FineTunedCheckpointWriter.Write(merged.Folder, Path.GetFullPath(original.Folder), trained, outputFolder, writeOptions, cancellation);
            return (result, written);
        }
        finally
        {
            spill.Delete(recursive: true);
        }
    }

    private static (FineTuningResult, Dictionary<string, FineTunedCheckpointWriter.TrainedTensor>) Train(CheckpointDecoderWeights originalWeights,
        CheckpointDecoderWeights mergedWeights, IReadOnlyList<long> tokens, FineTuningSettings settings, string spill,
        IProgress<FineTuningProgress>? progress, CancellationToken cancellation)
    {
        var steps = settings.PlannedSteps;
        var layers = originalWeights.Config.NumHiddenLayers;
        var schedule = settings.Schedule;
        var sampler = new TokenWindowSampler(tokens, settings.WindowsPerStep, settings.SequenceLength, unchecked((ulong)settings.Seed));
        var (cos, sin) = new StreamedDecoder(originalWeights).Rotary.Tables(0, settings.SequenceLength);
        cos = cos.DetachFromDisposeScope();
        sin = sin.DetachFromDisposeScope();
        // The original's input of the current layer, the merged model's, and (per layer) the original's output.
        var inputs = new Tensor[steps];
        var mergedInputs = new Tensor[steps];
        var trained = new Dictionary<string, FineTunedCheckpointWriter.TrainedTensor>(StringComparer.Ordinal);
        var losses = new List<double>();
        double firstSum = 0, lastSum = 0;
        long trainedScalars = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            using (no_grad())
            {
                for (var s = 0; s < steps; s++)
                {
                    var (windows, targets) = sampler.Next();
                    using (windows) using (targets)
                        inputs[s] = originalWeights.Embed(windows).DetachFromDisposeScope();
                    // The merge changes attention only; the embedding is the original's.
                    mergedInputs[s] = inputs[s].alias().DetachFromDisposeScope();
                }
            }
            for (var layer = 0; layer < layers; layer++)
            {
                var outputs = new Tensor[steps];
                try
                {
                    using (no_grad())
                    using (var lease = originalWeights.Layer(layer))
                        for (var s = 0; s < steps; s++) outputs[s] = ForwardInParts(lease.Layer, inputs[s], settings.LayerwisePartWindows, cos, sin);

                    using var mergedLease = mergedWeights.Layer(layer);
                    var module = mergedLease.Layer;
                    var prefix = $"model.layers.{layer.ToString(CultureInfo.InvariantCulture)}.";
                    var trainable = new List<(string Name, Parameter Parameter)>();
                    foreach (var (name, parameter) in module.named_parameters())
                    {
                        var isTrained = FineTuner.IsTrained(prefix + name, settings.Parameters);
                        parameter.requires_grad = isTrained;
                        if (isTrained) trainable.Add((prefix + name, parameter));
                    }
                    // The first step's loss is the exactness test: an exact layer makes no update and is left as merged.
                    var exact = false;
                    using (var update = new AdamWUpdate(trainable.Select(t => t.Parameter), settings.WeightDecay, settings.GradientClip))
                    {
                        module.train();
                        for (var s = 0; s < steps; s++)
                        {
                            cancellation.ThrowIfCancellationRequested();
                            var learningRate = schedule.At(s);
                            var (x, xMerged, y) = (inputs[s], mergedInputs[s], outputs[s]);
                            var per = settings.LayerwisePartWindows;
                            var parts = (int)((x.shape[0] + per - 1) / per);
                            using var scale = Scale(x, y);
                            var outcome = update.Minimise(i => PartLoss(module, xMerged, x, y, scale, i * per, per, cos, sin), parts, learningRate,
                                s == 0 ? loss => loss >= ExactError : null);
                            if (s == 0) firstSum += outcome.Loss;
                            exact = s == 0 && outcome.Loss < ExactError;
                            if (exact)
                            {
                                // Exact: left as merged (its tensors are copied byte for byte by the writer).
                                for (var t = 0; t < steps; t++) losses.Add(outcome.Loss);
                                break;
                            }
                            if (!outcome.Updated) throw FineTuner.Diverged(settings, layer * steps + s + 1, layers * steps, outcome, learningRate);
                            losses.Add(outcome.Loss);
                            var done = layer * steps + s + 1;
                            var elapsed = clock.Elapsed;
                            progress?.Report(new FineTuningProgress(done, layers * steps, outcome.Loss, learningRate,
                                done * (double)settings.BatchTokens / layers / Math.Max(1e-9, elapsed.TotalSeconds), elapsed / done * (layers * steps - done)));
                        }
                        module.eval();
                    }
                    if (!exact)
                        foreach (var (name, parameter) in trainable)
                        {
                            trained[name] = Spill(spill, name, parameter);
                            trainedScalars += parameter.numel();
                        }
                    using (no_grad())
                        for (var s = 0; s < steps; s++)
                        {
                            var next = ForwardInParts(module, mergedInputs[s], settings.LayerwisePartWindows, cos, sin);
                            // The first batch's error after training, from the output the next layer needs anyway.
                            if (s == 0) lastSum += RelativeError(next, inputs[0], outputs[0]);
                            mergedInputs[s].Dispose();
                            mergedInputs[s] = next;
                        }
                    for (var s = 0; s < steps; s++)
                    {
                        inputs[s].Dispose();
                        inputs[s] = outputs[s];
                        outputs[s] = null!;
                    }
                }
                finally
                {
                    foreach (var o in outputs) o?.Dispose();
                }
            }
        }
        finally
        {
            foreach (var t in inputs) t?.Dispose();
            foreach (var t in mergedInputs) t?.Dispose();
            cos.Dispose();
            sin.Dispose();
        }
        clock.Stop();
        var seconds = clock.Elapsed.TotalSeconds;
        var tokenCount = (long)steps * settings.BatchTokens;
        var result = new FineTuningResult(steps, tokenCount, firstSum / layers, lastSum / layers, losses, seconds, tokenCount / Math.Max(1e-9, seconds),
            trainedScalars, get_num_threads(), originalWeights.Device.ToString());
        return (result, trained);
    }

    // A layer's output over a batch (no gradients), computed a part at a time: a whole 4,096-token batch's activations
    // would be 1.35 GB at 7B, twice what the training's parts need.
    private static Tensor ForwardInParts(Llama.LlamaDecoderLayer layer, Tensor batch, int per, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var windows = batch.shape[0];
        if (windows <= per) return layer.Forward(batch, cos, sin, null).DetachFromDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < windows; start += per)
            using (var partScope = NewDisposeScope())
                parts.Add(layer.Forward(batch.narrow(0, start, Math.Min(per, windows - start)), cos, sin, null).MoveToOuterDisposeScope());
        return cat(parts, 0).DetachFromDisposeScope();
    }

    // Σ‖f(x) − x‖² over the whole batch: the denominator every part's share is taken against.
    private static Tensor Scale(Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return target.sub(input).square().sum().clamp_min(1e-30).MoveToOuterDisposeScope();
    }

    // The term of Σ‖g(x̃) − f(x)‖² / Σ‖f(x) − x‖² of windows start … start + count − 1: the parts sum to the batch's loss.
    private static Tensor PartLoss(Llama.LlamaDecoderLayer module, Tensor mergedInput, Tensor input, Tensor target, Tensor scale, long start, long count,
        Tensor cos, Tensor sin)
    {
        var length = Math.Min(count, input.shape[0] - start);
        var output = module.Forward(mergedInput.narrow(0, start, length), cos, sin, null);
        return output.sub(target.narrow(0, start, length)).square().sum().div(scale);
    }

    // Σ‖g(x̃) − f(x)‖² / Σ‖f(x) − x‖²: the share of the original layer's update the merged layer misses.
    private static Tensor Error(Tensor output, Tensor input, Tensor target)
        => output.sub(target).square().sum().div(Scale(input, target));

    private static double RelativeError(Tensor output, Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        return Error(output, input, target).item<float>();
    }

    // The parameter's float32 values in a file of their own, written back into the checkpoint by the writer.
    private static FineTunedCheckpointWriter.TrainedTensor Spill(string folder, string name, Parameter parameter)
    {
        var path = Path.Combine(folder, name + ".f32");
        using (var scope = NewDisposeScope())
        using (no_grad())
        using (var file = File.Create(path))
            file.Write(parameter.detach().to(CPU).contiguous().bytes);
        return new FineTunedCheckpointWriter.TrainedTensor(parameter.shape, writer =>
        {
            var buffer = new byte[1 << 22];
            using var file = File.OpenRead(path);
            int read;
            while ((read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
                writer.WriteSingles(MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, read)));
        });
    }
}

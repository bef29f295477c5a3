using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Evaluation;
using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Text;
using Serilog;

namespace Qcqa.Torch.Evaluation;

/// <summary>
/// Evaluates a checkpoint folder on text tokenized by its own tokenizer (<see cref="ModelTokenizer"/>): the one path shared by <c>dotnet qcqa eval</c> and the build's
/// evaluation stage, so both measure exactly the same thing. Everything that can fail cheaply (text, vocabulary,
/// window) fails before libtorch loads and the weights are read.
/// </summary>
public static class CheckpointEvaluation
{
    /// <summary>Loads the checkpoint on <paramref name="deviceName"/> and evaluates it.</summary>
    /// <param name="modelFolder">A Hugging Face folder (MHA, standard GQA, or per-layer map).</param>
    /// <param name="text">The held-out text, tokenized by the model's tokenizer (<see cref="TokenizedText.Load"/>).</param>
    /// <param name="options">Window, batch and generation settings.</param>
    /// <param name="deviceName"><c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</param>
    /// <param name="log">Progress log, or null.</param>
    /// <param name="progress">Window progress, or null.</param>
    /// <param name="cancellation">Stops between batches.</param>
    /// <param name="warnNonFinite">
    /// Scan the tensors outside attention for NaN/±Inf and warn (QCQA090): a read of every weight. The build passes false:
    /// it has reported its input's once, and its outputs copy those tensors byte for byte.
    /// </param>
    /// <exception cref="Core.Diagnostics.QcqaException">Bad checkpoint, vocabulary, window or device.</exception>
    public static EvaluationResult Run(string modelFolder, TokenizedText text, EvaluationOptions options, string deviceName,
        ILogger? log = null, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellation = default, bool warnNonFinite = true)
    {
        using var checkpoint = Checkpoint.Open(modelFolder);
        checkpoint.CheckAttentionFinite();
        if (log is not null && warnNonFinite) WarningCodes.LogNonFinite(log, checkpoint);
        var (plan, planned) = CheckedPlan(checkpoint, text, options);
        options = planned;
        // Initialises libtorch (TorchRuntime.EnsureInitialized) before anything touches TorchSharp.
        var device = QcqaDevice.Parse(deviceName);

        if (log is not null && options.Precision == ComputePrecision.BFloat16) WarnOfSlowBFloat16(log, device);
        log?.Information("Evaluating {Model} on {Device}: layers {Residency}, {TokensPerPass:N0} tokens per pass, planned peak {Peak} ({Breakdown})",
            checkpoint.Folder, device.ToString(), plan.Residency.ToString().ToLowerInvariant(), plan.TokensPerPass, MemoryLimit.Format(plan.PeakBytes), plan.Breakdown);
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions
        {
            Device = device, Residency = plan.Residency,
            ProjectionType = options.Precision == ComputePrecision.BFloat16 ? TorchSharp.torch.ScalarType.BFloat16 : TorchSharp.torch.ScalarType.Float32,
        });
        log?.Information("Evaluating {Tokens:N0} tokens of {Text} ({Tokenizer})", text.Tokens.Count, text.Path, text.Tokenizer.Description);
        var result = ModelEvaluator.Evaluate(new StreamedDecoder(weights), text.Tokens, options, progress, cancellation);
        if (!double.IsFinite(result.Perplexity))
            throw new QcqaException(ErrorCodes.NonFiniteResult,
                $"The perplexity came out as {result.Perplexity}: the model's outputs are not finite numbers (its weights hold NaN or infinity, or they overflow in float32).",
                checkpoint.WeightsPath);
        return result with { BitsPerByte = text.BitsPerByte(result.MeanNll), Tokenizer = text.Tokenizer.Description };
    }

    // Once per process: a build evaluates every model in the same precision, and one warning says it.
    private static int _warnedOfBFloat16;

    private static void WarnOfSlowBFloat16(ILogger log, TorchSharp.torch.Device device)
    {
        if (device.type != TorchSharp.DeviceType.CPU || CpuFeatures.HasBFloat16Arithmetic != false) return;
        if (Interlocked.Exchange(ref _warnedOfBFloat16, 1) == 1) return;
        log.ForContext(WarningCodes.PropertyName, ErrorCodes.SlowPrecisionWarning).Warning(
            "evaluation precision bfloat16: this processor has no bfloat16 arithmetic (AVX512_BF16, AMX or Arm BF16), so libtorch emulates it and the evaluation runs several times slower than in float32 (a 7B-shaped evaluation took 5.3× as long on an AVX2 machine); use precision: float32 here");
    }

    /// <summary>Refuses (QCQA061) an evaluation that could not fit its memory limit, reading only the config; loads no weights and no libtorch.</summary>
    /// <exception cref="Core.Diagnostics.QcqaException">As <see cref="Run"/>, for what can be told from the config and the text.</exception>
    public static void CheckMemory(string modelFolder, TokenizedText text, EvaluationOptions options)
    {
        using var checkpoint = Checkpoint.Open(modelFolder);
        CheckedPlan(checkpoint, text, options);
    }

    // The evaluation's pass plan and its options with batch and tokens per pass filled in; QCQA061 when it cannot fit.
    private static (PassPlan Plan, EvaluationOptions Options) CheckedPlan(Checkpoint checkpoint, TokenizedText text, EvaluationOptions options)
    {
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        text.Tokenizer.CheckFits(config.VocabSize, checkpoint.Config.Path);
        if (options.AutomaticBatch)
            options = options with { Perplexity = options.Perplexity with { BatchSize = PerplexityOptions.BatchFor(config.VocabSize, options.Perplexity.WindowSize) } };
        options.Perplexity.Validate(config.MaxPositionEmbeddings);
        var memory = options.Memory ?? MemoryLimit.Resolve(null);
        var perplexity = options.Perplexity;
        var plan = PassPlan.For(config, memory, perplexity.BatchSize, perplexity.WindowSize, text.Tokens.Count, withLogits: true);
        memory.Check($"Evaluating '{checkpoint.Folder}'", plan.PeakBytes, plan.Breakdown,
            "Lower memory use with a smaller evaluation batch or window, or raise memory_limit.");
        return (plan, options with { Perplexity = perplexity with { TokensPerPass = plan.TokensPerPass } });
    }
}

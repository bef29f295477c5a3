using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Streaming;

namespace Qcqa.Torch.Calibration;

/// <summary>
/// The build's calibrator: the model's own tokenizer, the same weights as evaluation, one layer-major pass of
/// <see cref="CalibrationRunner"/> planned against the memory limit (a model larger than the limit is streamed one
/// layer at a time).
/// </summary>
public sealed class TorchCalibrator : ICalibrator
{
    // The head-output spread expands every query head's output to the model width ([batch, H, seq, hidden], three
    // of them at once); batches are sized to keep that within this, which only changes speed.
    private const long SpreadBytes = 1L << 30;

    /// <inheritdoc />
    public string CodeVersion => TorchCode.Version;

    /// <inheritdoc />
    public long Calibrate(string modelFolder, string textPath, long maxTokens, string device, MemoryLimit memory, Action<int, LayerCalibration> layerDone,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentNullException.ThrowIfNull(textPath);
        ArgumentNullException.ThrowIfNull(memory);
        var tokens = CalibrationText.Load(modelFolder, textPath, maxTokens);
        using var checkpoint = Checkpoint.Open(modelFolder);
        var (plan, options) = CheckedPlan(checkpoint, tokens.Count, textPath, memory);
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Device = QcqaDevice.Parse(device), Residency = plan.Residency });
        return CalibrationRunner.Run(new StreamedDecoder(weights), tokens, layerDone, options, textPath, cancellation: cancellation);
    }

    /// <summary>Runs the pass and keeps every layer's statistics in memory (for callers outside a build, on models whose statistics fit).</summary>
    /// <exception cref="Core.Diagnostics.QcqaException">As <see cref="Calibrate(string, string, long, string, MemoryLimit, Action{int, LayerCalibration}, CancellationToken)"/>.</exception>
    public CalibrationStatistics Calibrate(string modelFolder, string textPath, long maxTokens, string device, CancellationToken cancellation)
    {
        var layers = new List<LayerCalibration>();
        var tokens = Calibrate(modelFolder, textPath, maxTokens, device, MemoryLimit.Resolve(null), (_, layer) => layers.Add(layer), cancellation);
        return new CalibrationStatistics(tokens, layers);
    }

    /// <inheritdoc />
    public void CheckMemory(string modelFolder, string textPath, long maxTokens, MemoryLimit memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var tokens = CalibrationText.Load(modelFolder, textPath, maxTokens);
        using var checkpoint = Checkpoint.Open(modelFolder);
        CheckedPlan(checkpoint, tokens.Count, textPath, memory);
    }

    // The pass's options and plan for this many tokens, refused (QCQA061) when it cannot fit; reads the config only.
    private static (PassPlan Plan, CalibrationOptions Options) CheckedPlan(Checkpoint checkpoint, int tokens, string textPath, MemoryLimit memory)
    {
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        var window = Math.Min(CalibrationText.WindowSize, config.MaxPositionEmbeddings);
        var options = new CalibrationOptions { WindowSize = window, BatchSize = BatchFor(config, window) };
        options.Validate(config.MaxPositionEmbeddings, tokens, textPath);
        var plan = Plan(config, memory, options, tokens / window * (long)window);
        memory.Check($"Calibrating '{checkpoint.Folder}'", plan.PeakBytes, plan.Breakdown, "Lower the calibration's max_tokens, or raise memory_limit.");
        return (plan, options);
    }

    /// <summary>The calibration pass's planned peak.</summary>
    internal static PassPlan Plan(LlamaConfig config, MemoryLimit memory, CalibrationOptions options, long tokens)
    {
        long batch = options.BatchSize, seq = options.WindowSize, d = config.HiddenSize;
        var sums = (d + 1) * (d + 1) * sizeof(double) * 2 + batch * seq * (d + 1) * sizeof(double);
        var extra = sums + SpreadActivationBytes(config, batch, seq);
        return PassPlan.For(config, memory, batch, seq, tokens, withLogits: false, ("calibration sums and head-output spreads", extra), singlePass: true);
    }

    // The head-output spread's temporaries (CalibrationObserver): the scores, the mask's fill and the probabilities,
    // [batch, H, seq, seq] each, and four [batch, H, seq, d] products in head space.
    private static long SpreadActivationBytes(LlamaConfig config, long batch, long seq)
        => 3 * batch * config.NumAttentionHeads * seq * seq * sizeof(float) + 4 * batch * config.NumAttentionHeads * seq * config.ResolvedHeadDim * sizeof(float);

    private static int BatchFor(LlamaConfig config, int window)
        => MemoryPlanner.LargestBatch(new CalibrationOptions().BatchSize, SpreadBytes, b => SpreadActivationBytes(config, b, window));
}

using Qcqa.Core.Alignment;
using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Memory;
using Qcqa.Core.Merge;
using Qcqa.Core.Statistics;
using Qcqa.Torch.Calibration;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Sensitivity;
using Qcqa.Torch.Streaming;

namespace Qcqa.Torch.Alignment;

/// <summary>The build's aligned-merge math on libtorch (float64), and the per-layer KL probe.</summary>
public sealed class TorchAlignmentEngine : IAlignmentEngine
{
    /// <inheritdoc />
    public string CodeVersion => TorchCode.Version;

    /// <inheritdoc />
    /// <remarks>
    /// Keeps each layer's error Grams once prepared (up to a sixth of the memory available, at most 4 GB; a 7B MHA
    /// model needs 1.1 GB, its large Grams being kept in float32), so the search's rescoring of its fronts after the fitness pass prepares no layer again.
    /// </remarks>
    public IAlignedModel Open(Checkpoint checkpoint, CalibrationStatistics? calibration, string device)
        => new AlignedModel(new AlignedModelMerge(checkpoint, calibration, QcqaDevice.Parse(device), KeptErrorBytes));

    private static long KeptErrorBytes => Math.Min(4L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 6);

    /// <inheritdoc />
    public ILayerSensitivity OpenSensitivity(Checkpoint checkpoint, CalibrationStatistics? calibration, string textPath, long maxTokens, string device,
        MemoryLimit memory)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(memory);
        var tokens = CalibrationText.Load(checkpoint.Folder, textPath, maxTokens);
        CheckProbeFits(checkpoint, tokens.Count, memory);
        var parsed = QcqaDevice.Parse(device);
        var model = CheckpointModelLoader.Load(checkpoint, new CheckpointLoadOptions { Device = parsed });
        try
        {
            var window = Math.Min(CalibrationText.WindowSize, model.Config.MaxPositionEmbeddings);
            new CalibrationOptions { WindowSize = window }.Validate(model.Config.MaxPositionEmbeddings, tokens.Count, textPath);
            return new Sensitivity(model, new LayerSensitivityProbe(model, tokens, window), new AlignedModelMerge(checkpoint, calibration, parsed));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<double> GradientSensitivity(Checkpoint checkpoint, string textPath, long maxTokens, string device, MemoryLimit memory,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(memory);
        var tokens = CalibrationText.Load(checkpoint.Folder, textPath, maxTokens);
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        var window = Math.Min(CalibrationText.WindowSize, config.MaxPositionEmbeddings);
        new CalibrationOptions { WindowSize = window }.Validate(config.MaxPositionEmbeddings, tokens.Count, textPath);
        var used = tokens.Count / window * (long)window;
        var batch = 8;
        while (batch > 1 && GradientBlockBytes(config, batch, window) > GradientBlockLimit) batch /= 2;
        // Beside the pass itself: the residual stream entering every layer (kept for the backward pass) and its gradient.
        var stored = (config.NumHiddenLayers + 2) * MemoryPlanner.CarriedBytes(config, used) / 2;
        var plan = PassPlan.For(config, memory, batch, window, used, withLogits: false,
            ("stored residual streams and autograd of one block", stored + GradientBlockBytes(config, batch, window)), singlePass: true);
        memory.Check($"Measuring gradient layer costs of '{checkpoint.Folder}'", plan.PeakBytes, plan.Breakdown, "Lower the calibration's probe_tokens, or raise memory_limit.");
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Device = QcqaDevice.Parse(device), Residency = plan.Residency });
        return Qcqa.Torch.Sensitivity.GradientSensitivity.Measure(new StreamedDecoder(weights), tokens, window, batch, cancellation);
    }

    // Autograd keeps about three times a layer's forward activations for one block, and the logits' softmax and gradient.
    private static long GradientBlockBytes(Llama.LlamaConfig config, long batch, long window)
        => 3 * MemoryPlanner.LayerActivationBytes(config, batch, window) + 3 * MemoryPlanner.LogitBytes(config, batch, window) / 2;

    private const long GradientBlockLimit = 3L << 29;

    // The probe holds the whole model, every layer's input and the reference distributions at once.
    internal static void CheckProbeFits(Checkpoint checkpoint, long tokens, MemoryLimit memory)
    {
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        var window = Math.Min(CalibrationText.WindowSize, config.MaxPositionEmbeddings);
        var model = MemoryPlanner.ModelBytes(config);
        var inputs = config.NumHiddenLayers * MemoryPlanner.CarriedBytes(config, tokens) / 2;
        var reference = MemoryPlanner.LogitBytes(config, tokens / window, window);
        var activations = MemoryPlanner.LayerActivationBytes(config, tokens / window, window);
        memory.Check($"Measuring layer costs of '{checkpoint.Folder}' (allocation: measured or estimated)",
            model + inputs + reference + activations + MemoryPlanner.RuntimeOverheadBytes,
            MemoryPlanner.Describe(("the whole model", model), ("every layer's input", inputs), ("reference distributions", reference),
                ("activations", activations), ("runtime", MemoryPlanner.RuntimeOverheadBytes)),
            "Use allocation: gradient, which streams the model one layer at a time.");
    }

    private sealed class AlignedModel(AlignedModelMerge merge) : IAlignedModel
    {
        public GramMatrix FitnessGram(int layer) => merge.WithLayer(layer, AlignedFitness.PairGram);

        public double Error(int layer, LayerGrouping grouping) => merge.GroupingError(layer, grouping);

        public MergedProjections? Projections(int layer, LayerGrouping grouping) => merge.Projections(layer, grouping);

        public void Dispose() => merge.Dispose();
    }

    private sealed class Sensitivity(LlamaModel model, LayerSensitivityProbe probe, AlignedModelMerge merge) : ILayerSensitivity
    {
        public long Tokens => probe.Tokens;

        public double Measure(int layer, LayerGrouping grouping)
        {
            if (grouping.IsIdentity) return 0.0;
            return merge.WithLayer(layer, alignment =>
            {
                using var merged = alignment.Merge(grouping);
                return probe.Measure(layer, merged, grouping);
            });
        }

        public void Dispose()
        {
            probe.Dispose();
            merge.Dispose();
            model.Dispose();
        }
    }
}

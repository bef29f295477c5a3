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
    /// <remarks>
    /// The probes stream the model's layers (resident when the model takes at most half of the limit) and carry as many
    /// probes through one pass as the limit allows (<see cref="ProbePlan"/>); the reference pass runs here.
    /// </remarks>
    public ILayerSensitivity OpenSensitivity(Checkpoint checkpoint, CalibrationStatistics? calibration, string textPath, long maxTokens, string device,
        MemoryLimit memory)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(memory);
        var tokens = CalibrationText.Load(checkpoint.Folder, textPath, maxTokens);
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        var window = Math.Min(CalibrationText.WindowSize, config.MaxPositionEmbeddings);
        new CalibrationOptions { WindowSize = window }.Validate(config.MaxPositionEmbeddings, tokens.Count, textPath);
        var plan = ProbePlan.For($"Measuring layer costs of '{checkpoint.Folder}' (allocation: measured or estimated)", config,
            tokens.Count / window * (long)window, window, probes: 0, memory);
        var parsed = QcqaDevice.Parse(device);
        var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Device = parsed, Residency = plan.Residency });
        try
        {
            var probe = new StreamedLayerProbe(new StreamedDecoder(weights), tokens, window, plan.Batch, plan.Capacity);
            return new Sensitivity(weights, probe, new AlignedModelMerge(checkpoint, calibration, parsed));
        }
        catch
        {
            weights.Dispose();
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
        var batch = MemoryPlanner.LargestBatch(8, GradientBlockLimit, b => GradientBlockBytes(config, b, window));
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

    private sealed class AlignedModel(AlignedModelMerge merge) : IAlignedModel
    {
        public GramMatrix FitnessGram(int layer) => merge.WithLayer(layer, AlignedFitness.PairGram);

        public double Error(int layer, LayerGrouping grouping) => merge.GroupingError(layer, grouping);

        public double[] Errors(int layer, IReadOnlyList<LayerGrouping> groupings) => merge.GroupingErrors(layer, groupings);

        public MergedProjections? Projections(int layer, LayerGrouping grouping) => merge.Projections(layer, grouping);

        public void ReleaseMemory() => merge.ReleaseMemory();

        public void Dispose() => merge.Dispose();
    }

    private sealed class Sensitivity(CheckpointDecoderWeights weights, StreamedLayerProbe probe, AlignedModelMerge merge) : ILayerSensitivity
    {
        public long Tokens => probe.Tokens;

        public IReadOnlyList<double> Measure(IReadOnlyList<LayerProbe> probes, CancellationToken cancellation = default)
        {
            ArgumentNullException.ThrowIfNull(probes);
            if (probes.Any(p => p.Grouping.IsIdentity)) throw new ArgumentException("An unmerged layer costs nothing and is not probed.", nameof(probes));
            return probe.Measure(probes, (layer, grouping) => merge.WithLayer(layer, alignment => alignment.Merge(grouping)), cancellation);
        }

        public void Dispose()
        {
            probe.Dispose();
            merge.Dispose();
            weights.Dispose();
        }
    }
}

using System.Runtime.InteropServices;
using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Memory;
using Qcqa.Core.Merge;
using static TorchSharp.torch;

namespace Qcqa.Torch.Alignment;

/// <summary>
/// The aligned merge of a whole checkpoint, one layer at a time: the per-layer <see cref="LayerAlignment"/> (from the
/// weights and, when given, the calibration statistics) and the <see cref="MergedProjections"/> the checkpoint writer
/// takes (<see cref="MergeOptions.Projections"/>).
/// </summary>
/// <remarks>
/// Layers are read and prepared on demand; the most recent one is kept (callers go layer by layer), so memory stays
/// at one layer's matrices. Optionally the Grams that group errors need (<see cref="GroupErrors"/>, about an eighth of a
/// layer's float64 projections) are kept for every prepared layer up to a memory budget, so that a second pass over the
/// layers for errors only (the search's rescoring of its fronts after the fitness pass) reads and prepares nothing again.
/// </remarks>
public sealed class AlignedModelMerge : IDisposable
{
    private readonly Checkpoint _checkpoint;
    private readonly CalibrationStatistics? _calibration;
    private readonly Device _device;
    private long _keepBytes;
    private readonly Dictionary<int, GroupErrors> _kept = [];
    private long _keptBytes;
    private (int Layer, AttentionMatrices Matrices, AlignmentMetric Metric, LayerAlignment Alignment)? _current;

    /// <summary>Prepares the merge of <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">The open input checkpoint (not owned; must stay open while this is used).</param>
    /// <param name="calibration">Statistics of the same model, or null to measure errors on weights alone.</param>
    /// <param name="device">Where the float64 linear algebra runs; CPU when null.</param>
    /// <exception cref="ArgumentException">The calibration has a different number of layers.</exception>
    public AlignedModelMerge(Checkpoint checkpoint, CalibrationStatistics? calibration, Device? device = null)
        : this(checkpoint, calibration, device, keepErrorBytes: 0)
    {
    }

    /// <summary>Prepares the merge of <paramref name="checkpoint"/>, keeping prepared layers' error Grams up to <paramref name="keepErrorBytes"/> bytes in all.</summary>
    internal AlignedModelMerge(Checkpoint checkpoint, CalibrationStatistics? calibration, Device? device, long keepErrorBytes)
    {
        _keepBytes = keepErrorBytes;
        _checkpoint = checkpoint ?? throw new ArgumentNullException(nameof(checkpoint));
        if (calibration is not null && calibration.Layers.Count != checkpoint.LayerCount)
            throw new ArgumentException($"The calibration has {calibration.Layers.Count} layers; the model has {checkpoint.LayerCount}.", nameof(calibration));
        _calibration = calibration;
        _device = device ?? CPU;
    }

    /// <summary>Runs <paramref name="use"/> with layer <paramref name="layer"/>'s alignment.</summary>
    public T WithLayer<T>(int layer, Func<LayerAlignment, T> use)
    {
        ArgumentNullException.ThrowIfNull(use);
        return use(Prepare(layer).Alignment);
    }

    /// <summary>
    /// The error the aligned merge of <paramref name="grouping"/> leaves in layer <paramref name="layer"/>
    /// (<see cref="LayerAlignment.GroupingError"/>), from the kept Grams when the layer's were kept.
    /// </summary>
    public double GroupingError(int layer, LayerGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        return GroupingErrors(layer, [grouping])[0];
    }

    /// <summary><see cref="GroupingError"/> of several groupings of one layer, their groups solved side by side (<see cref="GroupErrors.GroupingErrors"/>).</summary>
    public double[] GroupingErrors(int layer, IReadOnlyList<LayerGrouping> groupings)
    {
        ArgumentNullException.ThrowIfNull(groupings);
        return _kept.TryGetValue(layer, out var errors) ? errors.GroupingErrors(groupings) : WithLayer(layer, a => a.Errors.GroupingErrors(groupings));
    }

    /// <summary>Layer <paramref name="layer"/>'s merged projections for the writer, or null when its grouping keeps every unit.</summary>
    public MergedProjections? Projections(int layer, LayerGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        if (grouping.IsIdentity) return null;
        var (_, matrices, _, alignment) = Prepare(layer);
        using var merged = alignment.Merge(grouping);
        // Each tensor is freed once copied out, so the layer's merged tensors and their copies (400 MB each at 7B) do not
        // all exist at once.
        var (query, queryBias) = TakeAugmented(merged.Query, matrices.HasQueryBias);
        var (key, keyBias) = TakeAugmented(merged.Key, matrices.HasKeyBias);
        var (value, valueBias) = TakeAugmented(merged.Value, matrices.HasValueBias);
        var output = ToArray(merged.Output);
        merged.Output.Dispose();
        return new MergedProjections(query, queryBias, key, keyBias, value, valueBias, output);
    }

    private static (double[] Weight, double[]? Bias) TakeAugmented(Tensor augmented, bool hasBias)
    {
        var taken = (Weight(augmented), hasBias ? Bias(augmented) : null);
        augmented.Dispose();
        return taken;
    }

    /// <summary>The writer's callback for a whole model grouping.</summary>
    public Func<int, MergedProjections?> ProjectionsFor(ModelGrouping grouping)
    {
        ArgumentNullException.ThrowIfNull(grouping);
        return layer => Projections(layer, grouping.Layers[layer].Grouping);
    }

    /// <summary>Releases the prepared layer and the kept Grams.</summary>
    public void Dispose() => ReleaseMemory();

    /// <summary>Frees the prepared layer and the kept Grams; later calls prepare layers again (and keep Grams again, within the budget).</summary>
    public void ReleaseMemory()
    {
        Release(keepErrors: false);
        foreach (var errors in _kept.Values) errors.Dispose();
        _kept.Clear();
        _keptBytes = 0;
    }

    private (int Layer, AttentionMatrices Matrices, AlignmentMetric Metric, LayerAlignment Alignment) Prepare(int layer)
    {
        if (_current is { } current && current.Layer == layer) return current;
        Release();
        var matrices = AttentionMatrices.Read(_checkpoint, layer, _device);
        var metric = AlignmentMetric.Create(matrices, _calibration?.Layers[layer]);
        var prepared = (layer, matrices, metric, new LayerAlignment(matrices, metric, _kept.GetValueOrDefault(layer)));
        _current = prepared;
        return prepared;
    }

    // A layer's error Grams are kept when it is left, if it made them (a merge alone does not) and they fit the budget.
    private void Release(bool keepErrors = true)
    {
        if (_current is not { } current) return;
        var alignment = current.Alignment;
        if (keepErrors && _keepBytes > 0 && alignment.OwnsErrors && !_kept.ContainsKey(current.Layer))
        {
            if (_keptBytes + alignment.Errors.Bytes <= _keepBytes)
            {
                _keptBytes += alignment.Errors.Bytes;
                _kept[current.Layer] = alignment.TakeErrors();
            }
        }
        alignment.Dispose();
        current.Metric.Dispose();
        current.Matrices.Dispose();
        _current = null;
        // The layer's projections handed to the writer (hundreds of MB of arrays at 7B) are garbage by now; reclaiming
        // here, before the next layer allocates as much again, keeps the process at one layer's size instead of growing
        // until the runtime decides to collect (and keeping the freed regions after it has).
        ProcessMemory.Reclaim();
    }

    private static double[] Weight(Tensor augmented)
    {
        using var scope = NewDisposeScope();
        return ToArray(augmented.narrow(1, 0, augmented.shape[1] - 1));
    }

    private static double[] Bias(Tensor augmented)
    {
        using var scope = NewDisposeScope();
        return ToArray(augmented.select(1, augmented.shape[1] - 1));
    }

    // One block copy of the tensor's bytes (TorchSharp's element accessor is about three times slower at 16M values).
    private static double[] ToArray(Tensor values)
    {
        using var scope = NewDisposeScope();
        var contiguous = values.to_type(ScalarType.Float64).cpu().contiguous();
        var result = new double[contiguous.numel()];
        MemoryMarshal.Cast<byte, double>(contiguous.bytes).CopyTo(result);
        return result;
    }
}

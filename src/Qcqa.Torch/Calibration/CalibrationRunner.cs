using Qcqa.Core.Calibration;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;
using static TorchSharp.torch;

namespace Qcqa.Torch.Calibration;

/// <summary>
/// One forward pass of the original model over calibration text, collecting per layer what the aligned merge, its
/// search fitness and the allocation need (<see cref="LayerCalibration"/>). Only full windows are used, so every
/// statistic averages tokens at positions 0 … W−1 alike. The pass is layer-major (<see cref="StreamedDecoder"/>):
/// every window goes through a layer before the next layer starts, so a layer's statistics are complete, and handed
/// over, while only that layer is loaded.
/// </summary>
public static class CalibrationRunner
{
    /// <summary>Runs the pass over a whole in-memory model and returns every layer's statistics.</summary>
    /// <param name="model">The original model (any device); it is not changed.</param>
    /// <param name="tokens">The calibration tokens (at least one window).</param>
    /// <param name="options">Window and batch sizes; defaults when null.</param>
    /// <param name="textPath">Named by errors about the text; may be null.</param>
    /// <param name="progress">Receives the layers done.</param>
    /// <param name="cancellation">Checked between layers.</param>
    /// <exception cref="Core.Diagnostics.QcqaException">The text is shorter than one window, or a size is out of range.</exception>
    public static CalibrationStatistics Run(LlamaModel model, IReadOnlyList<long> tokens, CalibrationOptions? options = null, string? textPath = null,
        IProgress<LayerProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = new LayerCalibration[model.Config.NumHiddenLayers];
        var count = Run(new StreamedDecoder(new ModelDecoderWeights(model)), tokens, (l, s) => layers[l] = s, options, textPath, progress, cancellation);
        return new CalibrationStatistics(count, layers);
    }

    /// <summary>Runs the pass, handing over each layer's statistics as soon as the layer is done.</summary>
    /// <param name="decoder">The original model, resident or streamed.</param>
    /// <param name="tokens">The calibration tokens (at least one window).</param>
    /// <param name="layerDone">Receives layer l's statistics, in layer order.</param>
    /// <param name="options">Window and batch sizes; defaults when null.</param>
    /// <param name="textPath">Named by errors about the text; may be null.</param>
    /// <param name="progress">Receives the layers done.</param>
    /// <param name="cancellation">Checked between layers.</param>
    /// <returns>The tokens the statistics average (the full windows).</returns>
    /// <exception cref="Core.Diagnostics.QcqaException">The text is shorter than one window, or a size is out of range.</exception>
    public static long Run(StreamedDecoder decoder, IReadOnlyList<long> tokens, Action<int, LayerCalibration> layerDone, CalibrationOptions? options = null,
        string? textPath = null, IProgress<LayerProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(layerDone);
        options ??= new CalibrationOptions();
        options.Validate(decoder.Config.MaxPositionEmbeddings, tokens.Count, textPath);
        var window = options.WindowSize;
        var windows = tokens.Count / window;
        var total = (long)windows * window;

        using var scope = NewDisposeScope();
        var batches = new List<Tensor>();
        for (var first = 0; first < windows; first += options.BatchSize)
        {
            var count = Math.Min(options.BatchSize, windows - first);
            var ids = new long[count * window];
            for (var i = 0; i < ids.Length; i++) ids[i] = tokens[first * window + i];
            batches.Add(tensor(ids, ScalarType.Int64).reshape(count, window));
        }
        using var observer = new CalibrationObserver(decoder.Config, total, layerDone);
        foreach (var final in decoder.FinalHidden(batches, observer, progress, cancellation)) final.Dispose();
        return total;
    }
}

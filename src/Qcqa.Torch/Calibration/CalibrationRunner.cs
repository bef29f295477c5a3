using Qcqa.Core.Calibration;
using Qcqa.Torch.Llama;
using static TorchSharp.torch;

namespace Qcqa.Torch.Calibration;

/// <summary>
/// One forward pass of the original model over calibration text, collecting per layer what the aligned merge, its
/// search fitness and the allocation need (<see cref="LayerCalibration"/>). Only full windows are used, so every
/// statistic averages tokens at positions 0 … W−1 alike.
/// </summary>
public static class CalibrationRunner
{
    /// <summary>Runs the pass.</summary>
    /// <param name="model">The original model (any device); it is not changed.</param>
    /// <param name="tokens">The calibration tokens (at least one window).</param>
    /// <param name="options">Window and batch sizes; defaults when null.</param>
    /// <param name="textPath">Named by errors about the text; may be null.</param>
    /// <param name="progress">Receives the windows done after every batch.</param>
    /// <param name="cancellation">Checked between batches.</param>
    /// <exception cref="Core.Diagnostics.QcqaException">The text is shorter than one window, or a size is out of range.</exception>
    public static CalibrationStatistics Run(LlamaModel model, IReadOnlyList<long> tokens, CalibrationOptions? options = null, string? textPath = null,
        IProgress<CalibrationProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        options ??= new CalibrationOptions();
        options.Validate(model.Config.MaxPositionEmbeddings, tokens.Count, textPath);
        var window = options.WindowSize;
        var windows = tokens.Count / window;

        using var observer = new CalibrationObserver(model);
        using var noGrad = no_grad();
        for (var first = 0; first < windows; first += options.BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            var count = Math.Min(options.BatchSize, windows - first);
            using var scope = NewDisposeScope();
            var ids = new long[count * window];
            for (var i = 0; i < ids.Length; i++) ids[i] = tokens[first * window + i];
            using var logits = model.Forward(tensor(ids, ScalarType.Int64).reshape(count, window), null, observer);
            progress?.Report(new CalibrationProgress(first + count, windows));
        }
        return observer.Statistics((long)windows * window);
    }
}

using Qcqa.Core.Memory;

namespace Qcqa.Core.Calibration;

/// <summary>Runs the calibration pass (implemented by Qcqa.Torch, which owns the model and the tokenizers).</summary>
public interface ICalibrator
{
    /// <summary>Identifies the implementation's code in cache keys (a new build of it invalidates its cached results).</summary>
    string CodeVersion { get; }

    /// <summary>
    /// Tokenizes <paramref name="textPath"/> with the model's own tokenizer and collects the statistics, handing each
    /// layer over as soon as it is complete (the pass runs layer by layer, so a large model's statistics never need to
    /// be in memory together).
    /// </summary>
    /// <param name="modelFolder">The original model.</param>
    /// <param name="textPath">The calibration text.</param>
    /// <param name="maxTokens">Tokens used from the start of the text.</param>
    /// <param name="device">cpu, cuda, cuda:N or auto.</param>
    /// <param name="memory">The pass is planned against this limit.</param>
    /// <param name="layerDone">Receives layer l's statistics, in layer order.</param>
    /// <param name="cancellation">Checked between layers.</param>
    /// <returns>The number of tokens the statistics average.</returns>
    /// <exception cref="Diagnostics.QcqaException">The text is missing, unreadable or shorter than one window; the device is unavailable; the pass does not fit the memory limit (QCQA061).</exception>
    long Calibrate(string modelFolder, string textPath, long maxTokens, string device, MemoryLimit memory, Action<int, LayerCalibration> layerDone,
        CancellationToken cancellation);

    /// <summary>
    /// Stops before any work when the pass could not fit <paramref name="memory"/> (QCQA061); reads the config and the
    /// text only. The build asks before it starts on a model, so a refusal leaves nothing behind.
    /// </summary>
    void CheckMemory(string modelFolder, string textPath, long maxTokens, MemoryLimit memory)
    {
    }
}

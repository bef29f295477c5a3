using Qcqa.Core.Calibration;
using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Alignment;

/// <summary>Device math for the aligned merge (Qcqa.Torch implements it; Core stays free of libtorch).</summary>
public interface IAlignmentEngine
{
    /// <summary>Identifies the implementation's code in cache keys (a new build of it invalidates its cached results).</summary>
    string CodeVersion { get; }

    /// <summary>The aligned merge of <paramref name="checkpoint"/>, weighted by <paramref name="calibration"/> (null: weights alone).</summary>
    /// <param name="checkpoint">The open original checkpoint (must stay open while the result is used).</param>
    /// <param name="calibration">Its calibration statistics, or null.</param>
    /// <param name="device">cpu, cuda, cuda:N or auto.</param>
    IAlignedModel Open(Checkpoint checkpoint, CalibrationStatistics? calibration, string device);

    /// <summary>Loads the model to measure per-layer merge costs on probe text.</summary>
    /// <param name="checkpoint">The open original checkpoint.</param>
    /// <param name="calibration">Its calibration statistics (the merges measured are the calibrated ones), or null.</param>
    /// <param name="textPath">The probe text (the calibration text).</param>
    /// <param name="maxTokens">Tokens used from its start.</param>
    /// <param name="device">cpu, cuda, cuda:N or auto.</param>
    /// <param name="memory">The build's memory limit; the probe holds the whole model, so a model that does not fit is refused (QCQA061).</param>
    ILayerSensitivity OpenSensitivity(Checkpoint checkpoint, CalibrationStatistics? calibration, string textPath, long maxTokens, string device,
        Memory.MemoryLimit memory);

    /// <summary>
    /// Every layer's KL divergence per unit of mean squared attention-output error, ½ E‖∂log p(y)/∂a_l‖² / D, from one
    /// layer-streamed forward pass and one backward pass over the probe text (labels sampled from the model).
    /// </summary>
    /// <param name="checkpoint">The open original checkpoint.</param>
    /// <param name="textPath">The probe text (the calibration text).</param>
    /// <param name="maxTokens">Tokens used from its start.</param>
    /// <param name="device">cpu, cuda, cuda:N or auto.</param>
    /// <param name="memory">The passes are planned against this limit.</param>
    /// <param name="cancellation">Checked between layers.</param>
    IReadOnlyList<double> GradientSensitivity(Checkpoint checkpoint, string textPath, long maxTokens, string device, Memory.MemoryLimit memory,
        CancellationToken cancellation);
}

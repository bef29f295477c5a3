namespace Qcqa.Core.Calibration;

/// <summary>The calibration statistics of every attention layer of one model, from one pass over one text.</summary>
public sealed class CalibrationStatistics
{
    /// <summary>Creates the statistics.</summary>
    /// <param name="tokens">How many tokens the pass saw.</param>
    /// <param name="layers">One entry per layer, in layer order.</param>
    /// <exception cref="ArgumentException">No layers, or a non-positive token count.</exception>
    public CalibrationStatistics(long tokens, IReadOnlyList<LayerCalibration> layers)
    {
        Preconditions.CheckArgument(tokens > 0, "Calibration needs at least one token.");
        Preconditions.CheckNotNull(layers);
        Preconditions.CheckArgument(layers.Count > 0, "Calibration needs at least one layer.");
        Tokens = tokens;
        Layers = layers;
    }

    /// <summary>Tokens the statistics are averaged over.</summary>
    public long Tokens { get; }

    /// <summary>Per-layer statistics, in layer order.</summary>
    public IReadOnlyList<LayerCalibration> Layers { get; }
}

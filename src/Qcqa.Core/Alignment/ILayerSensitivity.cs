using Qcqa.Core.Grouping;

namespace Qcqa.Core.Alignment;

/// <summary>
/// Measures what merging one layer costs the whole model (mean KL divergence per token on probe text), so that
/// stage 2 compares layers on one scale. Implemented by Qcqa.Torch.
/// </summary>
public interface ILayerSensitivity : IDisposable
{
    /// <summary>Tokens each measurement scores.</summary>
    long Tokens { get; }

    /// <summary>The KL cost of merging layer <paramref name="layer"/> alone by <paramref name="grouping"/> (aligned merge).</summary>
    double Measure(int layer, LayerGrouping grouping);
}

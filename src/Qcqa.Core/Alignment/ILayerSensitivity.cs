using Qcqa.Core.Grouping;

namespace Qcqa.Core.Alignment;

/// <summary>
/// Measures what merging one layer costs the whole model (mean KL divergence per token on probe text), so that
/// stage 2 compares layers on one scale. Implemented by Qcqa.Torch.
/// </summary>
/// <remarks>
/// Probes are asked for all at once: an implementation that streams the model's layers can then carry many probes
/// through one pass, loading each layer once instead of once per probe.
/// </remarks>
public interface ILayerSensitivity : IDisposable
{
    /// <summary>Tokens each measurement scores.</summary>
    long Tokens { get; }

    /// <summary>The KL cost of each probe: merging its layer alone by its grouping (aligned merge).</summary>
    /// <param name="probes">What to measure; the result has one cost per probe, in the same order.</param>
    /// <param name="cancellation">Checked between layers.</param>
    IReadOnlyList<double> Measure(IReadOnlyList<LayerProbe> probes, CancellationToken cancellation = default);
}

/// <summary>One measurement of <see cref="ILayerSensitivity"/>: layer <paramref name="Layer"/> merged alone by <paramref name="Grouping"/>.</summary>
/// <param name="Layer">The merged layer.</param>
/// <param name="Grouping">Its grouping (not the identity: an unmerged layer costs nothing and is not probed).</param>
public sealed record LayerProbe(int Layer, LayerGrouping Grouping);

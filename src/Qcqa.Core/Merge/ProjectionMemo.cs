namespace Qcqa.Core.Merge;

/// <summary>
/// Serves <see cref="MergeOptions.Projections"/> to the writer: tensors are written in file order, where a layer's
/// projections sit together, so the last two layers computed are kept (a 7B layer's projections are 400 MB in
/// float64) and a layer whose tensors lie far apart is simply computed again. The older one is let go before a third
/// is computed, so no more than two layers' projections exist at once.
/// </summary>
internal sealed class ProjectionMemo(Func<int, MergedProjections?>? compute)
{
    private readonly List<(int Layer, MergedProjections? Projections)> _recent = [];

    /// <summary>The replacement projections of <paramref name="layer"/>, or null to mean-pool.</summary>
    internal MergedProjections? For(int layer)
    {
        if (compute is null) return null;
        foreach (var (known, projections) in _recent)
            if (known == layer) return projections;
        if (_recent.Count == 2) _recent.RemoveAt(0);
        var computed = compute(layer);
        _recent.Add((layer, computed));
        return computed;
    }
}

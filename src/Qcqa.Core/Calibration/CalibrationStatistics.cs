namespace Qcqa.Core.Calibration;

/// <summary>
/// The calibration statistics of every attention layer of one model, from one pass over one text. The layers are
/// either held in memory or read on demand (from the cache, one layer at a time: a 7B model's are 4.3 GB), so
/// readers index <see cref="Layers"/> one layer at a time and do not keep what they read.
/// </summary>
public sealed class CalibrationStatistics
{
    /// <summary>Creates the statistics from layers in memory.</summary>
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

    /// <summary>Creates statistics whose layers are read when indexed (the last one read is kept).</summary>
    /// <param name="tokens">How many tokens the pass saw.</param>
    /// <param name="layerCount">The number of layers.</param>
    /// <param name="load">Reads layer l.</param>
    public CalibrationStatistics(long tokens, int layerCount, Func<int, LayerCalibration> load)
        : this(tokens, new OnDemandLayers(layerCount, Preconditions.CheckNotNull(load)))
    {
    }

    /// <summary>Tokens the statistics are averaged over.</summary>
    public long Tokens { get; }

    /// <summary>Per-layer statistics, in layer order.</summary>
    public IReadOnlyList<LayerCalibration> Layers { get; }

    private sealed class OnDemandLayers(int count, Func<int, LayerCalibration> load) : IReadOnlyList<LayerCalibration>
    {
        private (int Index, LayerCalibration Layer)? _last;

        public int Count => count;

        public LayerCalibration this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                if (_last is { } last && last.Index == index) return last.Layer;
                var layer = load(index);
                _last = (index, layer);
                return layer;
            }
        }

        public IEnumerator<LayerCalibration> GetEnumerator()
        {
            for (var i = 0; i < count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

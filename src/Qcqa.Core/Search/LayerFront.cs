using Qcqa.Core.Grouping;
namespace Qcqa.Core.Search;

/// <summary>
/// The result of searching one layer: for every allowed number of KV heads G, the best grouping found and its WSE
/// (the layer's front over the two objectives WSE and G). Stage 2 picks one point per layer.
/// </summary>
public sealed class LayerFront
{
    // Invariant: _points is sorted by G ascending, one point per G, every G allowed by Mode for HeadCount.
    private readonly FrontPoint[] _points;

    /// <summary>Creates a front.</summary>
    /// <param name="headCount">H, the layer's KV units.</param>
    /// <param name="mode">The mode the groupings obey.</param>
    /// <param name="energy">Σ_h A_hh, the layer's Gram trace; relative WSE is WSE / energy.</param>
    /// <param name="points">At most one point per G; each grouping covers <paramref name="headCount"/> heads and obeys <paramref name="mode"/>.</param>
    /// <exception cref="ArgumentException">A point has the wrong head count, breaks the mode, has a negative or NaN WSE, or repeats a G.</exception>
    public LayerFront(int headCount, GroupingMode mode, double energy, IEnumerable<FrontPoint> points)
    {
        HeadCount = Preconditions.CheckPositive(headCount);
        Mode = mode;
        Energy = Preconditions.CheckFinite(energy);
        _points = Preconditions.CheckNotNull(points).OrderBy(p => p.GroupCount).ToArray();
        Preconditions.CheckArgument(_points.Length > 0, "A front needs at least one point.");
        for (var i = 0; i < _points.Length; i++)
        {
            var p = _points[i];
            Preconditions.CheckArgument(p.Grouping.HeadCount == headCount, $"A point covers {p.Grouping.HeadCount} heads, the layer has {headCount}.");
            Preconditions.CheckArgument(!mode.RequiresEqualGroups() || p.Grouping.IsEqualCardinality, $"The point at G = {p.GroupCount} has unequal groups but the mode is {mode}.");
            Preconditions.CheckArgument(p.Wse >= 0, $"The point at G = {p.GroupCount} has WSE {p.Wse}; it must be a non-negative number.");
            Preconditions.CheckArgument(i == 0 || _points[i - 1].GroupCount != p.GroupCount, $"Two points have G = {p.GroupCount}.");
        }
        GroupCounts = _points.Select(p => p.GroupCount).ToArray();
    }

    /// <summary>H, the layer's KV units.</summary>
    public int HeadCount { get; }

    /// <summary>The mode every grouping of the front obeys.</summary>
    public GroupingMode Mode { get; }

    /// <summary>Σ_h A_hh, what WSE is reported relative to.</summary>
    public double Energy { get; }

    /// <summary>The points, by G ascending.</summary>
    public IReadOnlyList<FrontPoint> Points => _points;

    /// <summary>The G values the front has a point for, ascending.</summary>
    public IReadOnlyList<int> GroupCounts { get; }

    /// <summary>The point at G = <paramref name="groupCount"/>.</summary>
    /// <exception cref="KeyNotFoundException">The front has no point at that G.</exception>
    public FrontPoint this[int groupCount]
        => TryGet(groupCount, out var point) ? point : throw new KeyNotFoundException($"The front has no point at G = {groupCount}.");

    /// <summary>Looks up the point at G = <paramref name="groupCount"/>.</summary>
    public bool TryGet(int groupCount, out FrontPoint point)
    {
        foreach (var p in _points)
        {
            if (p.GroupCount != groupCount) continue;
            point = p;
            return true;
        }
        point = null!;
        return false;
    }

    /// <summary>WSE relative to the layer's energy (0 when the layer has none).</summary>
    public double RelativeWse(double wse) => Energy > 0 ? wse / Energy : 0.0;
}

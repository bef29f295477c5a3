namespace Qcqa.Core.Search;

/// <summary>What each <see cref="CardinalityMode"/> allows and how it is named in grouping files.</summary>
public static class CardinalityModeExtensions
{
    /// <summary>The mode name written to grouping files: <c>arbitrary</c> or <c>equal</c>.</summary>
    public static string ToModeName(this CardinalityMode mode) => mode switch
    {
        CardinalityMode.Arbitrary => "arbitrary",
        CardinalityMode.Equal => "equal",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown cardinality mode."),
    };

    /// <summary>True when a layer of <paramref name="headCount"/> heads may keep <paramref name="groupCount"/> KV heads.</summary>
    public static bool Allows(this CardinalityMode mode, int headCount, int groupCount)
        => groupCount >= 1 && groupCount <= headCount && (mode == CardinalityMode.Arbitrary || headCount % groupCount == 0);

    /// <summary>Every allowed G for a layer of <paramref name="headCount"/> heads, ascending (AC: 1..H; EC: divisors of H).</summary>
    public static IReadOnlyList<int> AllowedGroupCounts(this CardinalityMode mode, int headCount)
    {
        Preconditions.CheckPositive(headCount);
        var counts = new List<int>();
        for (var g = 1; g <= headCount; g++)
            if (mode.Allows(headCount, g)) counts.Add(g);
        return counts;
    }
}

namespace Qcqa.Core.Grouping;

/// <summary>What each <see cref="GroupingMode"/> allows, and its one spelling in specs and files.</summary>
public static class GroupingModes
{
    private static readonly IReadOnlyDictionary<string, GroupingMode> ByName = new Dictionary<string, GroupingMode>(StringComparer.Ordinal)
    {
        ["gqa"] = GroupingMode.Gqa,
        ["mqa"] = GroupingMode.Mqa,
        ["equal"] = GroupingMode.Equal,
        ["arbitrary"] = GroupingMode.Arbitrary,
        ["custom"] = GroupingMode.Custom,
    };

    /// <summary>The modes a spec variant (and the <c>search</c> command) may name, in documentation order.</summary>
    public static IReadOnlyDictionary<string, GroupingMode> SpecModes { get; } =
        ByName.Where(p => p.Value != GroupingMode.Custom).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>Every spelling, for messages: <c>gqa, mqa, equal, arbitrary, custom</c>.</summary>
    public static string AllNames => string.Join(", ", ByName.Keys);

    /// <summary>The spelling in specs and files, e.g. <c>equal</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined value.</exception>
    public static string ToName(this GroupingMode mode)
    {
        foreach (var (name, value) in ByName)
            if (value == mode) return name;
        throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown grouping mode.");
    }

    /// <summary>Reads a spelling written by <see cref="ToName"/>; false for anything else.</summary>
    public static bool TryParse(string? name, out GroupingMode mode)
    {
        mode = default;
        return name is not null && ByName.TryGetValue(name, out mode);
    }

    /// <summary>True for the modes the evolutionary search produces (<c>equal</c>, <c>arbitrary</c>).</summary>
    public static bool IsSearched(this GroupingMode mode) => mode is GroupingMode.Equal or GroupingMode.Arbitrary;

    /// <summary>True when every group of a layer must have the same size (<c>gqa</c>, <c>equal</c>, <c>mqa</c>).</summary>
    public static bool RequiresEqualGroups(this GroupingMode mode) => mode is GroupingMode.Gqa or GroupingMode.Equal or GroupingMode.Mqa;

    /// <summary>True when a layer of <paramref name="headCount"/> heads may keep <paramref name="groupCount"/> KV heads in this mode.</summary>
    public static bool Allows(this GroupingMode mode, int headCount, int groupCount)
        => groupCount >= 1 && groupCount <= headCount && mode switch
        {
            GroupingMode.Mqa => groupCount == 1,
            GroupingMode.Gqa or GroupingMode.Equal => headCount % groupCount == 0,
            _ => true,
        };

    /// <summary>Every allowed G for a layer of <paramref name="headCount"/> heads, ascending (AC: 1..H; EC and GQA: divisors of H; MQA: 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="headCount"/> is not positive.</exception>
    public static IReadOnlyList<int> AllowedGroupCounts(this GroupingMode mode, int headCount)
    {
        Preconditions.CheckPositive(headCount);
        var counts = new List<int>();
        for (var g = 1; g <= headCount; g++)
            if (mode.Allows(headCount, g)) counts.Add(g);
        return counts;
    }
}

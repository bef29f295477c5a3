namespace Qcqa.Core.Grouping;

/// <summary>
/// The values a grouping file's <c>mode</c> (and the <c>qcqa</c> config block's) may take. The mode is copied into
/// compressed checkpoints, so it is a closed list: a typo or a stranger's label must not travel into an artifact.
/// </summary>
public static class GroupingModes
{
    /// <summary>Every accepted mode: the search modes, <c>identity</c> (no grouping), <c>planted</c> (synthetic models' hidden
    /// clusters) and <c>custom</c> (a grouping written by hand).</summary>
    public static IReadOnlyList<string> All { get; } = ["arbitrary", "equal", "gqa", "mqa", "identity", "planted", "custom"];

    /// <summary>True when <paramref name="mode"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string mode) => All.Contains(mode, StringComparer.Ordinal);
}

namespace Qcqa.Core.Merge;

/// <summary>Settings of <see cref="CheckpointMerger.Merge"/>.</summary>
public sealed record MergeOptions
{
    /// <summary>The grouping file the grouping came from, named by errors about the grouping; null when none.</summary>
    public string? GroupingPath { get; init; }

    /// <summary>
    /// Ask the operating system to write every output file to the device before the folder is renamed into place,
    /// so a crash right after the merge cannot leave a complete-looking folder with missing data. Costs time on
    /// large models; the output is a regenerable build artifact, so it is off by default.
    /// </summary>
    public bool FlushToDisk { get; init; }

    /// <summary>Test hook: called with each output tensor's name before it is written (throw to simulate a failure).</summary>
    internal Action<string>? BeforeTensor { get; init; }
}

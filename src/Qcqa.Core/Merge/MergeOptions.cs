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

    /// <summary>
    /// Extra text files (file name → content) written into the output folder before it is renamed into place, so
    /// they appear atomically with the checkpoint (the build writes its grouping file and up-to-date stamp this way).
    /// A copied input file of the same name is replaced.
    /// </summary>
    public IReadOnlyDictionary<string, string>? AdditionalFiles { get; init; }

    /// <summary>Stops the merge between tensors and files; the temporary folder is removed and nothing is kept.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Runs on the complete temporary folder just before it is renamed into place (e.g. to stamp its files).</summary>
    internal Action<string>? BeforeCommit { get; init; }
}

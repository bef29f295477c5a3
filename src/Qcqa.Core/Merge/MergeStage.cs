using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Merge;

/// <summary>
/// The build's merge stage: writes a variant's checkpoint (<see cref="CheckpointMerger"/>) with its grouping file and
/// an up-to-date stamp, all renamed into place together, or leaves an output whose stamp matches and whose files are
/// intact untouched. A merged checkpoint is also published to the checkpoint cache, and an output that is missing or
/// stale is restored from there by a copy when the cache holds the same content.
/// </summary>
/// <remarks>The stamp and its up-to-date check: <see cref="BuildStamp"/>.</remarks>
/// <param name="checkpoints">Where merged checkpoints are kept and restored from; null merges every time.</param>
public sealed class MergeStage(CheckpointCache? checkpoints = null)
{
    /// <summary>The stamp file inside every built variant folder.</summary>
    public const string StampFileName = BuildStamp.FileName;

    /// <summary>The grouping file inside every built variant folder.</summary>
    public const string GroupingFileName = "grouping.json";

    // Per input folder, its cheap signature (CacheKeys.ModelSignature), computed once per build.
    private readonly Dictionary<string, string> _signatures = new(StringComparer.Ordinal);

    /// <summary>Writes the variant unless its stamp says the same inputs already produced it and its files are intact.</summary>
    /// <param name="input">The checkpoint, the grouping and the variant's folder.</param>
    /// <param name="cancellation">Stops the merge; nothing is left behind in the output folder.</param>
    /// <exception cref="QcqaException">The checkpoint cannot be written (QCQA002/004 naming the path).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled.</exception>
    public MergeOutput Run(MergeInput input, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(input);
        var checkpoint = input.Checkpoint;
        var folder = input.OutputFolder;
        var groupingJson = GroupingFile.ToJson(input.Grouping);
        if (!_signatures.TryGetValue(checkpoint.Folder, out var signature))
            _signatures[checkpoint.Folder] = signature = CacheKeys.ModelSignature(checkpoint.Folder);
        var stampKey = CacheKeys.VariantStamp(signature, groupingJson, input.Recipe);
        var rebuilt = !BuildStamp.IsUpToDate(folder, stampKey);
        var restored = false;
        if (rebuilt)
        {
            // The files that make the checkpoint: a stamp whose checkpoint lost or changed one of them is not up to date.
            var names = new[] { ModelConfig.FileName, GroupingFileName }
                .Concat(checkpoint.Files.Select(f => Path.GetFileName(f.Path)))
                .Concat(checkpoint.Index is null ? [] : [ShardIndex.FileName])
                .ToArray();
            var source = Path.GetFullPath(checkpoint.Folder);
            CacheKey? key = checkpoints is not null && input.ContentIdentity is not null ? CheckpointCache.KeyOf(input.ContentIdentity()) : null;
            restored = key is { } cached && CheckpointRestore.TryRestore(checkpoints!, cached, folder, [source],
                (temporary, _) => BuildStamp.Write(temporary, stampKey, source, names), cancellation);
            if (!restored)
            {
                CheckpointMerger.Merge(checkpoint, input.Grouping, folder, new MergeOptions
                {
                    AdditionalFiles = new Dictionary<string, string> { [GroupingFileName] = groupingJson },
                    Projections = input.Projections,
                    Cancellation = cancellation,
                    BeforeCommit = temporary =>
                    {
                        BuildStamp.Write(temporary, stampKey, source, names);
                        // Everything the merger wrote (tokenizer and other companions too), so a restore is the whole folder.
                        if (key is { } publish) checkpoints!.Publish(publish, temporary, BuiltFiles(temporary), cancellation);
                    },
                });
            }
        }
        return new MergeOutput(folder, rebuilt, Directory.EnumerateFiles(folder).ToArray(), restored);
    }

    /// <summary>The files of a built folder that make its checkpoint: all but the stamp, which each output writes for itself.</summary>
    internal static IEnumerable<string> BuiltFiles(string folder)
        => Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(n => n != BuildStamp.FileName).Select(n => n!);
}

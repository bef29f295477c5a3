using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Merge;

/// <summary>
/// The build's merge stage: writes a variant's checkpoint (<see cref="CheckpointMerger"/>) with its grouping file and
/// an up-to-date stamp, all renamed into place together, or leaves an output whose stamp matches untouched.
/// </summary>
public sealed class MergeStage
{
    /// <summary>The stamp file inside every built variant folder.</summary>
    public const string StampFileName = ".qcqa-build.json";

    /// <summary>The grouping file inside every built variant folder.</summary>
    public const string GroupingFileName = "grouping.json";

    // Per input folder, its cheap signature (CacheKeys.ModelSignature), computed once per build.
    private readonly Dictionary<string, string> _signatures = new(StringComparer.Ordinal);

    /// <summary>Writes the variant unless its stamp says the same inputs already produced it.</summary>
    public MergeOutput Run(MergeInput input)
    {
        Preconditions.CheckNotNull(input);
        var checkpoint = input.Checkpoint;
        var folder = input.OutputFolder;
        var groupingJson = GroupingFile.ToJson(input.Grouping);
        if (!_signatures.TryGetValue(checkpoint.Folder, out var signature))
            _signatures[checkpoint.Folder] = signature = CacheKeys.ModelSignature(checkpoint.Folder);
        var stampKey = CacheKeys.VariantStamp(signature, groupingJson);
        var rebuilt = !IsUpToDate(folder, stampKey);
        if (rebuilt)
        {
            // The files that make the checkpoint: a stamp whose checkpoint lost one of them is not up to date.
            var files = new JsonArray(new[] { ModelConfig.FileName, GroupingFileName }
                .Concat(checkpoint.Files.Select(f => Path.GetFileName(f.Path)))
                .Concat(checkpoint.Index is null ? [] : [ShardIndex.FileName])
                .Select(name => (JsonNode)JsonValue.Create(name)).ToArray());
            var stamp = new JsonObject { ["fingerprint"] = stampKey, ["source"] = Path.GetFullPath(checkpoint.Folder), ["files"] = files };
            CheckpointMerger.Merge(checkpoint, input.Grouping, folder, new MergeOptions
            {
                AdditionalFiles = new Dictionary<string, string>
                {
                    [GroupingFileName] = groupingJson,
                    [StampFileName] = stamp.ToJsonString(),
                },
            });
        }
        return new MergeOutput(folder, rebuilt, Directory.EnumerateFiles(folder).ToArray());
    }

    private static bool IsUpToDate(string outputFolder, string stampKey)
    {
        var stampPath = Path.Combine(outputFolder, StampFileName);
        if (!File.Exists(stampPath)) return false;
        try
        {
            var stamp = JsonNode.Parse(File.ReadAllText(stampPath));
            return stamp?["fingerprint"]?.GetValue<string>() == stampKey
                && stamp["files"] is JsonArray files
                && files.All(f => File.Exists(Path.Combine(outputFolder, f!.GetValue<string>())));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            return false;
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The merge-and-write stage of the build: writes a variant's checkpoint with its grouping file and an up-to-date
/// stamp, all renamed into place together, or leaves an up-to-date output untouched.
/// </summary>
internal static class VariantWriter
{
    /// <summary>The stamp file inside every built variant folder.</summary>
    internal const string StampFileName = ".qcqa-build.json";
    /// <summary>The grouping file inside every built variant folder.</summary>
    internal const string GroupingFileName = "grouping.json";

    /// <summary>Writes the variant unless its stamp says the same inputs already produced it.</summary>
    /// <returns>True when the checkpoint was (re)written.</returns>
    internal static bool Write(Checkpoint checkpoint, string modelSignature, ModelGrouping grouping, string outputFolder)
    {
        var groupingJson = GroupingFile.ToJson(grouping);
        var fingerprint = new CacheKeyBuilder("variant").Add(CodeIdentity.Version).AddHash(modelSignature).Add(groupingJson).Build().Hash;
        if (IsUpToDate(outputFolder, fingerprint)) return false;

        // The files that make the checkpoint: a stamp whose checkpoint lost one of them is not up to date.
        var files = new JsonArray(new[] { ModelConfig.FileName, GroupingFileName }
            .Concat(checkpoint.Files.Select(f => Path.GetFileName(f.Path)))
            .Concat(checkpoint.Index is null ? [] : [ShardIndex.FileName])
            .Select(name => (JsonNode)JsonValue.Create(name)).ToArray());
        var stamp = new JsonObject { ["fingerprint"] = fingerprint, ["source"] = Path.GetFullPath(checkpoint.Folder), ["files"] = files };
        CheckpointMerger.Merge(checkpoint, grouping, outputFolder, new MergeOptions
        {
            AdditionalFiles = new Dictionary<string, string>
            {
                [GroupingFileName] = groupingJson,
                [StampFileName] = stamp.ToJsonString(),
            },
        });
        return true;
    }

    private static bool IsUpToDate(string outputFolder, string fingerprint)
    {
        var stampPath = Path.Combine(outputFolder, StampFileName);
        if (!File.Exists(stampPath)) return false;
        try
        {
            var stamp = JsonNode.Parse(File.ReadAllText(stampPath));
            return stamp?["fingerprint"]?.GetValue<string>() == fingerprint
                && stamp["files"] is JsonArray files
                && files.All(f => File.Exists(Path.Combine(outputFolder, f!.GetValue<string>())));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            return false;
        }
    }
}

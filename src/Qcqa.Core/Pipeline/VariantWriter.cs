using System.Text.Json.Nodes;
using Qcqa.Core.Cache;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Input;
using Qcqa.Core.Merge;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// The merge-and-write stage of the build: writes a variant's checkpoint with its grouping file and an up-to-date
/// stamp, all renamed into place together, or leaves an up-to-date output untouched.
/// </summary>
/// <remarks>
/// <para>The up-to-date check (decided in issue 11) must stay as cheap as a <c>stat</c> per file on a no-op build, yet
/// not be fooled by an edit of the outputs themselves. The stamp records, for every file of the checkpoint, its
/// length, its modification time and an XxHash128 of its content, taken in the temporary folder before the rename.
/// A file is current when its length matches and either its modification time is unchanged (the cheap path: one
/// <c>stat</c>) or, when the time changed, its content hash still matches (the file is re-read once, and the stamp is
/// refreshed so the next check is cheap again). A same-size edit of an output therefore changes the time and is caught
/// by the hash; only an edit that also restores the modification time on purpose goes unnoticed.</para>
/// </remarks>
internal static class VariantWriter
{
    /// <summary>The stamp file inside every built variant folder.</summary>
    internal const string StampFileName = ".qcqa-build.json";
    /// <summary>The grouping file inside every built variant folder.</summary>
    internal const string GroupingFileName = "grouping.json";

    /// <summary>Writes the variant unless its stamp says the same inputs already produced it and its files are intact.</summary>
    /// <returns>True when the checkpoint was (re)written.</returns>
    internal static bool Write(Checkpoint checkpoint, string modelSignature, ModelGrouping grouping, string outputFolder, CancellationToken cancellation = default)
    {
        var groupingJson = GroupingFile.ToJson(grouping);
        var fingerprint = new CacheKeyBuilder("variant").Add(CodeIdentity.Version).AddHash(modelSignature).Add(groupingJson).Build().Hash;
        if (IsUpToDate(outputFolder, fingerprint)) return false;

        // The files that make the checkpoint: a stamp whose checkpoint lost or changed one of them is not up to date.
        var names = new[] { ModelConfig.FileName, GroupingFileName }
            .Concat(checkpoint.Files.Select(f => Path.GetFileName(f.Path)))
            .Concat(checkpoint.Index is null ? [] : [ShardIndex.FileName])
            .ToArray();
        CheckpointMerger.Merge(checkpoint, grouping, outputFolder, new MergeOptions
        {
            AdditionalFiles = new Dictionary<string, string> { [GroupingFileName] = groupingJson },
            Cancellation = cancellation,
            BeforeCommit = temporary => AtomicFile.WriteAllText(Path.Combine(temporary, StampFileName),
                Stamp(fingerprint, Path.GetFullPath(checkpoint.Folder), names.Select(n => Describe(temporary, n))).ToJsonString()),
        });
        return true;
    }

    private static JsonObject Stamp(string fingerprint, string source, IEnumerable<JsonObject> files)
        => new() { ["fingerprint"] = fingerprint, ["source"] = source, ["files"] = new JsonArray(files.ToArray<JsonNode>()) };

    private static JsonObject Describe(string folder, string name)
    {
        var info = new FileInfo(Path.Combine(folder, name));
        return new JsonObject
        {
            ["name"] = name,
            ["length"] = info.Length,
            ["modified"] = info.LastWriteTimeUtc.Ticks,
            ["xxh128"] = ContentHash.ComputeFile(info.FullName),
        };
    }

    private static bool IsUpToDate(string outputFolder, string fingerprint)
    {
        var stampPath = Path.Combine(outputFolder, StampFileName);
        if (!File.Exists(stampPath)) return false;
        try
        {
            var stamp = JsonInput.Read(stampPath, ErrorCodes.BadOutputPath, ErrorCodes.BadOutputPath, "The build stamp");
            if (!Text(stamp, "fingerprint", out var recorded) || recorded != fingerprint || stamp["files"] is not { IsArray: true } files)
                return false;
            var refreshed = false;
            var current = new List<JsonObject>();
            foreach (var file in files.Items)
            {
                if (!Text(file, "name", out var name) || name.IndexOfAny(['/', '\\']) >= 0 || name is "" or "." or ".."
                    || !Number(file, "length", out var length) || !Number(file, "modified", out var modified) || !Text(file, "xxh128", out var hash))
                    return false;
                var info = new FileInfo(Path.Combine(outputFolder, name));
                if (!info.Exists || info.Length != length) return false;
                if (info.LastWriteTimeUtc.Ticks != modified)
                {
                    if (ContentHash.ComputeFile(info.FullName) != hash) return false;
                    refreshed = true;
                }
                current.Add(new JsonObject { ["name"] = name, ["length"] = length, ["modified"] = info.LastWriteTimeUtc.Ticks, ["xxh128"] = hash });
            }
            if (refreshed && Text(stamp, "source", out var source))
            {
                // Best effort: a stamp that cannot be refreshed only costs a re-hash next time.
                try { AtomicFile.WriteAllText(stampPath, Stamp(fingerprint, source, current).ToJsonString()); }
                catch (QcqaException) { }
            }
            return true;
        }
        catch (Exception e) when (e is QcqaException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool Text(JsonInputNode node, string key, out string value)
    {
        value = "";
        return node[key] is { } v && v.TryGetString(out value);
    }

    private static bool Number(JsonInputNode node, string key, out long value)
    {
        value = 0;
        return node[key] is { } v && v.TryGetInt64(out value);
    }
}

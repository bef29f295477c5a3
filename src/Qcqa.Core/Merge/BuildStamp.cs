using System.Text.Json.Nodes;
using Qcqa.Core.Cache;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Input;

namespace Qcqa.Core.Merge;

/// <summary>
/// The up-to-date stamp of a built checkpoint folder (merged or fine-tuned), written inside it before it is renamed
/// into place.
/// </summary>
/// <remarks>
/// The check (decided in issue 11) must stay as cheap as a <c>stat</c> per file on a no-op build, yet not be fooled by
/// an edit of the outputs themselves. The stamp records the key of what produced the folder and, for every file of
/// the checkpoint, its length, its modification time and an XxHash128 of its content, taken in the temporary folder.
/// A file is current when its length matches and either its modification time is unchanged (the cheap path: one
/// <c>stat</c>) or, when the time changed, its content hash still matches (the file is re-read once, and the stamp is
/// refreshed so the next check is cheap again). A same-size edit of an output therefore changes the time and is caught
/// by the hash; only an edit that also restores the modification time on purpose goes unnoticed.
/// </remarks>
public static class BuildStamp
{
    /// <summary>The stamp file inside every built folder.</summary>
    public const string FileName = ".qcqa-build.json";

    /// <summary>Writes the stamp of <paramref name="files"/> (names inside <paramref name="folder"/>) under <paramref name="key"/>.</summary>
    /// <param name="folder">The (temporary) folder holding the files.</param>
    /// <param name="key">What produced them.</param>
    /// <param name="source">The input model's folder, recorded for people reading the stamp.</param>
    /// <param name="files">The checkpoint's file names.</param>
    public static void Write(string folder, string key, string source, IEnumerable<string> files)
        => AtomicFile.WriteAllText(Path.Combine(folder, FileName), Stamp(key, source, files.Select(n => Describe(folder, n))).ToJsonString());

    /// <summary>Whether <paramref name="folder"/> holds intact files stamped with <paramref name="key"/>.</summary>
    public static bool IsUpToDate(string folder, string key)
    {
        var stampPath = Path.Combine(folder, FileName);
        if (!File.Exists(stampPath)) return false;
        try
        {
            var stamp = JsonInput.Read(stampPath, ErrorCodes.BadOutputPath, ErrorCodes.BadOutputPath, "The build stamp");
            if (!Text(stamp, "fingerprint", out var recorded) || recorded != key || stamp["files"] is not { IsArray: true } files)
                return false;
            var refreshed = false;
            var current = new List<JsonObject>();
            foreach (var file in files.Items)
            {
                if (!Text(file, "name", out var name) || name.IndexOfAny(['/', '\\']) >= 0 || name is "" or "." or ".."
                    || !Number(file, "length", out var length) || !Number(file, "modified", out var modified) || !Text(file, "xxh128", out var hash))
                    return false;
                var info = new FileInfo(Path.Combine(folder, name));
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
                try { AtomicFile.WriteAllText(stampPath, Stamp(key, source, current).ToJsonString()); }
                catch (QcqaException) { }
            }
            return true;
        }
        catch (Exception e) when (e is QcqaException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static JsonObject Stamp(string key, string source, IEnumerable<JsonObject> files)
        => new() { ["fingerprint"] = key, ["source"] = source, ["files"] = new JsonArray(files.ToArray<JsonNode>()) };

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

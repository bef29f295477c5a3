using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Output;
using Serilog;

namespace Qcqa.Core.Cache;

/// <summary>
/// Whole checkpoints — merged variants and fine-tuned weights, the most expensive results of a build — kept in the
/// content cache, so that a deleted or cleaned output folder is restored by a hard link (or a copy) instead of merging
/// or training again. One folder per entry, <c>root/checkpoint/xx/&lt;hash&gt;/</c>, holding the checkpoint's files and a
/// manifest (<see cref="ManifestFileName"/>) that names each file with its length and XxHash128.
/// </summary>
/// <remarks>
/// <para>Publishing builds the entry in an owned temporary sibling (<see cref="OwnedTemporaries"/>), writes the
/// manifest last and renames the folder into place, so a reader sees no entry or a whole one. When two builds publish
/// the same key at once the second rename fails and its copy is dropped: both copies are identical by construction.</para>
/// <para>Files are placed by hard link where the cache and the output share a file system (<see cref="HardLink"/>), so a
/// 13.5 GB checkpoint is not written a second time, and copied otherwise (another file system, no hard links, any
/// failure of the link). Either way each file's bytes are read once: a copy hashes what it writes, a link is hashed by
/// reading it. The engine never writes a file in place (every output is built in a temporary folder and renamed), so a
/// shared file changes only when something outside the engine edits an output in place; that edit reaches the cache
/// entry too, and is caught there: restoring checks every file against the manifest's length and hash before handing
/// it out.</para>
/// <para>A missing manifest or file, a wrong length or a wrong hash marks the entry corrupt: it is logged, removed
/// (which removes only its names: linked outputs keep their files) and reported as a miss, so the caller recomputes and
/// publishes it again. Like <see cref="ContentCache"/>, the cache is an optimisation: failing to publish is logged,
/// never thrown.</para>
/// </remarks>
public sealed class CheckpointCache
{
    /// <summary>The entries' sub-folder of the cache (and the kind of their keys).</summary>
    public const string Kind = "checkpoint";

    /// <summary>The manifest inside every entry, written last.</summary>
    public const string ManifestFileName = ".qcqa-entry.json";

    private const int FormatVersion = 1;
    private const int BufferSize = 1 << 20;
    private readonly ILogger? _logger;
    private readonly Func<string, string, bool> _createHardLink;

    /// <summary>Opens the checkpoint entries of the cache at <paramref name="root"/> (created lazily).</summary>
    /// <param name="root">The cache folder (the same as the <see cref="ContentCache"/>'s).</param>
    /// <param name="logger">Receives hits, misses, publications and corrupt entries; optional.</param>
    /// <param name="createHardLink">Makes its second argument a hard link to the existing file named by its first and
    /// says whether it did; <see cref="HardLink.TryCreate"/> when null. A linker that always returns false makes every
    /// placement a copy.</param>
    public CheckpointCache(string root, ILogger? logger = null, Func<string, string, bool>? createHardLink = null)
    {
        Preconditions.CheckNotNull(root);
        Preconditions.CheckArgument(root.Length > 0, "The cache folder must not be empty.");
        Root = Path.GetFullPath(root);
        _logger = logger;
        _createHardLink = createHardLink ?? HardLink.TryCreate;
    }

    /// <summary>The cache folder (full path).</summary>
    public string Root { get; }

    /// <summary>The key of the checkpoint with content identity <paramref name="identity"/>, as built by this engine's code.</summary>
    /// <param name="identity">What decides the checkpoint's bytes (e.g. <see cref="CacheKeys.FineTuned"/>), 32 hex digits.</param>
    public static CacheKey KeyOf(string identity) => CacheKeys.Checkpoint(identity);

    /// <summary>The folder that holds (or would hold) the entry of <paramref name="key"/>.</summary>
    public string EntryPath(CacheKey key) => Path.Combine(Root, key.Kind, key.Hash[..2], key.Hash);

    /// <summary>
    /// Puts the entry's files into <paramref name="folder"/> (an existing, empty temporary folder), each by a hard link
    /// where possible and by a copy otherwise, checking each one's length and hash. A corrupt entry is removed; the
    /// folder may then hold some of the files, and the caller discards it.
    /// </summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="folder">Where the files go.</param>
    /// <param name="cancellation">Checked between files and blocks.</param>
    /// <returns>The names of the files placed, or null on a miss (absent or corrupt).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled.</exception>
    public IReadOnlyList<string>? TryCopyTo(CacheKey key, string folder, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(folder);
        var entry = EntryPath(key);
        if (!Directory.Exists(entry))
        {
            _logger?.Debug("QCQA cache: miss {Key}", key.ToString());
            return null;
        }
        if (ReadManifest(entry, key, out var problem) is not { } files)
        {
            Discard(key, entry, problem);
            return null;
        }
        foreach (var (name, length, hash) in files)
        {
            cancellation.ThrowIfCancellationRequested();
            var source = Path.Combine(entry, name);
            string copied;
            try
            {
                if (new FileInfo(source) is not { Exists: true } info || info.Length != length)
                {
                    Discard(key, entry, $"{name} is missing or has the wrong length");
                    return null;
                }
                copied = Place(source, Path.Combine(folder, name), cancellation, out _);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // Another build removed the entry while this one read it: a plain miss.
                _logger?.Debug("QCQA cache: {Key} vanished while being restored", key.ToString());
                return null;
            }
            if (copied != hash)
            {
                Discard(key, entry, $"{name} does not match its recorded hash");
                return null;
            }
        }
        _logger?.Debug("QCQA cache: hit {Key}", key.ToString());
        return files.Select(f => f.Name).ToArray();
    }

    /// <summary>
    /// Stores the checkpoint files <paramref name="names"/> of <paramref name="folder"/> under <paramref name="key"/>,
    /// unless an entry is already there (best effort: an I/O failure is logged, not thrown).
    /// </summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="folder">The complete checkpoint (typically the temporary folder about to be renamed into place).</param>
    /// <param name="names">The files to store (the build stamp is not one: each output gets its own).</param>
    /// <param name="cancellation">Checked between files; a cancelled publication leaves nothing behind.</param>
    /// <returns>True when the entry is in the cache afterwards (stored now or already there).</returns>
    public bool Publish(CacheKey key, string folder, IEnumerable<string> names, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(folder);
        Preconditions.CheckNotNull(names);
        var entry = EntryPath(key);
        if (ReadManifest(entry, key, out _) is not null) return true;
        string? temporary = null;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
            OwnedTemporaries.CleanStale(entry);
            temporary = OwnedTemporaries.TemporaryFor(entry);
            Directory.CreateDirectory(temporary);
            var manifest = new JsonArray();
            long bytes = 0;
            var linked = 0;
            foreach (var name in names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                cancellation.ThrowIfCancellationRequested();
                Preconditions.CheckArgument(IsPlainName(name), $"'{name}' is not a file name.");
                var target = Path.Combine(temporary, name);
                var hash = Place(Path.Combine(folder, name), target, cancellation, out var isLink);
                if (isLink) linked++;
                var length = new FileInfo(target).Length;
                bytes += length;
                manifest.Add(new JsonObject { ["name"] = name, ["length"] = length, ["xxh128"] = hash });
            }
            var document = new JsonObject { ["format"] = FormatVersion, ["key"] = key.ToString(), ["files"] = manifest };
            File.WriteAllText(Path.Combine(temporary, ManifestFileName), document.ToJsonString());
            if (Directory.Exists(entry))
            {
                // Another build may have published a whole entry while this one copied: only a damaged one is replaced.
                if (ReadManifest(entry, key, out var problem) is not null) return true;
                Discard(key, entry, problem);
            }
            try
            {
                Directory.Move(temporary, entry);
            }
            catch (IOException) when (Directory.Exists(entry))
            {
                // Another build published the same checkpoint first; its copy is as good as this one.
                _logger?.Debug("QCQA cache: {Key} was published by another build meanwhile", key.ToString());
                return true;
            }
            _logger?.Debug("QCQA cache: stored {Key} ({Files} files, {Linked} hard-linked, {Bytes} bytes)", key.ToString(), manifest.Count, linked, bytes);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger?.Warning("QCQA cache: could not store {Key} in {Path}: {Reason}", key.ToString(), entry, e.Message);
            return false;
        }
        finally
        {
            if (temporary is not null) OwnedTemporaries.Delete(temporary);
        }
    }

    // The manifest's files, or null with the reason when it is missing or malformed (a folder without one is not a
    // finished entry: publishing renames the folder only after writing it, so only a damaged entry lacks it).
    private static List<(string Name, long Length, string Hash)>? ReadManifest(string entry, CacheKey key, out string problem)
    {
        problem = "";
        var path = Path.Combine(entry, ManifestFileName);
        try
        {
            if (!File.Exists(path))
            {
                problem = "no manifest";
                return null;
            }
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject root
                || root["format"]?.GetValue<int>() != FormatVersion
                || root["key"]?.GetValue<string>() != key.ToString()
                || root["files"] is not JsonArray files)
            {
                problem = "the manifest is not this entry's";
                return null;
            }
            var result = new List<(string, long, string)>();
            foreach (var file in files)
            {
                if (file?["name"]?.GetValue<string>() is not { } name || !IsPlainName(name)
                    || file["length"]?.GetValue<long>() is not { } length || file["xxh128"]?.GetValue<string>() is not { } hash || !ContentHash.IsHash(hash))
                {
                    problem = "a manifest line is malformed";
                    return null;
                }
                result.Add((name, length, hash));
            }
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException)
        {
            problem = $"unreadable manifest ({e.Message})";
            return null;
        }
    }

    // Puts source's content at target (a new name): a hard link when the linker makes one, else a copy. Returns the
    // XxHash128 of target's bytes, read once either way.
    private string Place(string source, string target, CancellationToken cancellation, out bool linked)
    {
        linked = _createHardLink(source, target);
        return linked ? ContentHash.ComputeFile(target, cancellation) : CopyHashing(source, target, cancellation);
    }

    // Copies a file and returns the XxHash128 of the bytes written, read once.
    private static string CopyHashing(string source, string target, CancellationToken cancellation)
    {
        var hash = new XxHash128();
        using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.SequentialScan))
        using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
        {
            var buffer = new byte[BufferSize];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                hash.Append(buffer.AsSpan(0, read));
                output.Write(buffer, 0, read);
            }
            output.Flush(flushToDisk: true);
        }
        // Keep the source's time: the output's stamp records it, and an unchanged time is what keeps a later check cheap.
        File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(source));
        return ContentHash.ToHex(hash);
    }

    // A corrupt entry is first renamed to an owned temporary (which CleanStale removes if this process dies), so no
    // reader ever sees it half deleted.
    private void Discard(CacheKey key, string entry, string problem)
    {
        _logger?.Warning("QCQA cache: entry {Key} is corrupt ({Problem}); deleting {Path} and recomputing", key.ToString(), problem, entry);
        var aside = OwnedTemporaries.TemporaryFor(entry);
        try
        {
            Directory.Move(entry, aside);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // gone already, or another build is replacing it
        }
        OwnedTemporaries.Delete(aside);
    }

    private static bool IsPlainName(string name)
        => name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\\']) < 0 && name != ManifestFileName;
}

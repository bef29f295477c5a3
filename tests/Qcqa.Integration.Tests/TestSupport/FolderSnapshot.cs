using System.Security.Cryptography;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>The files under a folder at one moment: relative path → length, last write time and SHA-256.</summary>
public sealed class FolderSnapshot
{
    private FolderSnapshot(string root, IReadOnlyDictionary<string, FileState> files)
    {
        Root = root;
        Files = files;
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>Every file, keyed by its path relative to <see cref="Root"/> with '/' separators.</summary>
    public IReadOnlyDictionary<string, FileState> Files { get; }

    /// <summary>Reads every file under <paramref name="root"/> (none when it does not exist).</summary>
    public static FolderSnapshot Take(string root)
    {
        var files = new SortedDictionary<string, FileState>(StringComparer.Ordinal);
        if (Directory.Exists(root))
        {
            foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var info = new FileInfo(path);
                using var stream = File.OpenRead(path);
                files[Path.GetRelativePath(root, path).Replace('\\', '/')] =
                    new FileState(info.Length, info.LastWriteTimeUtc, Convert.ToHexString(SHA256.HashData(stream)));
            }
        }
        return new FolderSnapshot(root, files);
    }

    /// <summary>Files under <paramref name="relativeFolder"/> (e.g. one variant's folder), keyed by path relative to it.</summary>
    public IReadOnlyDictionary<string, FileState> Under(string relativeFolder)
    {
        var prefix = relativeFolder.TrimEnd('/') + "/";
        return Files.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(f => f.Key[prefix.Length..], f => f.Value, StringComparer.Ordinal);
    }

    /// <summary>Paths whose timestamp, length or content differ from <paramref name="before"/>, plus added and removed ones.</summary>
    public IReadOnlyList<string> ChangedSince(FolderSnapshot before) =>
        Files.Keys.Union(before.Files.Keys)
            .Where(p => !Files.TryGetValue(p, out var now) || !before.Files.TryGetValue(p, out var then) || now != then)
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();
}

/// <summary>One file's state.</summary>
/// <param name="Length">Size in bytes.</param>
/// <param name="LastWriteUtc">Last write time.</param>
/// <param name="Sha256">Content hash, hex.</param>
public sealed record FileState(long Length, DateTime LastWriteUtc, string Sha256);

using System.Security.Cryptography;

namespace Qcqa.Tests.Shared;

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

    /// <summary>Every file, hidden ones included, keyed by its path relative to <see cref="Root"/> with '/' separators, in ordinal order.</summary>
    public IReadOnlyDictionary<string, FileState> Files { get; }

    /// <summary>Relative path → upper-case hex SHA-256 of the content: equal exactly when the two folders hold the same bytes under the same names.</summary>
    public IReadOnlyDictionary<string, string> Hashes => new SortedDictionary<string, string>(Files.ToDictionary(f => f.Key, f => f.Value.Sha256), StringComparer.Ordinal);

    /// <summary>Reads every file under <paramref name="root"/> (none when it does not exist).</summary>
    public static FolderSnapshot Take(string root)
    {
        var files = new SortedDictionary<string, FileState>(StringComparer.Ordinal);
        if (Directory.Exists(root))
        {
            foreach (var path in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var info = new FileInfo(path);
                files[Path.GetRelativePath(root, path).Replace('\\', '/')] = new FileState(info.Length, info.LastWriteTimeUtc, HashFile(path));
            }
        }
        return new FolderSnapshot(root, files);
    }

    /// <summary>The content hashes of every file under <paramref name="folder"/> (<see cref="Hashes"/> of a <see cref="Take"/>).</summary>
    public static IReadOnlyDictionary<string, string> Of(string folder) => Take(folder).Hashes;

    /// <summary>Upper-case hex SHA-256 of one file's content.</summary>
    /// <param name="path">The file.</param>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
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
/// <param name="Sha256">Content hash, upper-case hex.</param>
public sealed record FileState(long Length, DateTime LastWriteUtc, string Sha256);

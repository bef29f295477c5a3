using System.Security.Cryptography;

namespace Qcqa.Tests.Shared;

/// <summary>Content hashes of every file in a folder (relative path → SHA-256), to show that a folder was not touched.</summary>
internal static class FolderSnapshot
{
    /// <summary>Hashes every file under <paramref name="folder"/>, hidden files included, ordered by relative path (ordinal).</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>Relative path → upper-case hex SHA-256 of the file's content.</returns>
    public static IReadOnlyDictionary<string, string> Of(string folder)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            result[System.IO.Path.GetRelativePath(folder, file)] = HashFile(file);
        return result;
    }

    /// <summary>Upper-case hex SHA-256 of one file's content.</summary>
    /// <param name="path">The file.</param>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}

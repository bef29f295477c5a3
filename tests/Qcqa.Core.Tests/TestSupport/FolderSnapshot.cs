using System.Security.Cryptography;

namespace Qcqa.Core.Tests.TestSupport;

/// <summary>Content hashes of every file in a folder (relative path → SHA-256), to prove a folder was not touched.</summary>
public static class FolderSnapshot
{
    /// <summary>Hashes every file under <paramref name="folder"/> (hidden files included).</summary>
    public static IReadOnlyDictionary<string, string> Of(string folder)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            using var stream = File.OpenRead(file);
            result[Path.GetRelativePath(folder, file)] = Convert.ToHexString(SHA256.HashData(stream));
        }
        return result;
    }

    /// <summary>Hash of one file.</summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}

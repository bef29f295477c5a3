using System.Security.Cryptography;

namespace Qcqa.Cli.Tests.TestSupport;

/// <summary>Every file under a folder with a hash of its content, to show that a command left it unchanged.</summary>
internal static class FolderSnapshot
{
    public static IReadOnlyDictionary<string, string> Take(string folder)
        => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}

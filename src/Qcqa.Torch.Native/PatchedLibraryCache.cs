using System.Security.Cryptography;

namespace Qcqa.Torch.Native;

/// <summary>
/// Keeps patched copies of native libraries in a per-user cache, one folder per original content hash:
/// <c>$XDG_CACHE_HOME/qcqa/native/&lt;hash&gt;/&lt;file&gt;</c> (or <c>~/.cache/…</c>). The original is never
/// touched. Entries are written to a unique temporary file and renamed into place, so concurrent processes never
/// see a partial file, and an entry whose bytes differ from the expected patch (corrupted, or left by an older
/// patcher) is replaced.
/// </summary>
internal sealed class PatchedLibraryCache
{
    // Bump when the patch logic changes, so copies made by an older patcher are not reused.
    private const string PatcherVersion = "p1";

    /// <summary>Creates a cache rooted at <paramref name="root"/>.</summary>
    /// <param name="root">The folder that holds one subfolder per original; created on demand.</param>
    public PatchedLibraryCache(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
    }

    /// <summary>The cache folder.</summary>
    public string Root { get; }

    /// <summary>The default per-user location: <c>$XDG_CACHE_HOME/qcqa/native</c>, else <c>~/.cache/qcqa/native</c>, else the temp folder.</summary>
    public static string DefaultRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "qcqa", "native");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home)) return Path.Combine(home, ".cache", "qcqa", "native");
        return Path.Combine(Path.GetTempPath(), "qcqa", "native");
    }

    /// <summary>
    /// Returns the path of the patched copy of <paramref name="original"/>, creating it with
    /// <paramref name="patch"/> unless an identical copy is already cached.
    /// </summary>
    /// <param name="fileName">File name for the copy (keep the original's, e.g. <c>libLibTorchSharp.so</c>).</param>
    /// <param name="original">The original library's bytes.</param>
    /// <param name="patch">Produces the patched bytes; must be deterministic.</param>
    public string GetOrCreate(string fileName, byte[] original, Func<byte[], byte[]> patch)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        Preconditions.CheckNotNull(original);
        Preconditions.CheckNotNull(patch);

        var key = Convert.ToHexStringLower(SHA256.HashData(original))[..32] + "-" + PatcherVersion;
        var folder = Path.Combine(Root, key);
        var target = Path.Combine(folder, fileName);
        // Patching takes milliseconds, so re-deriving the bytes to validate the cached file is cheaper than
        // trusting it: a truncated or tampered entry would otherwise crash the process inside dlopen.
        var expected = patch(original);
        if (File.Exists(target) && SameContent(target, expected)) return target;

        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(expected);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            // rename(2) replaces atomically; a process that already mapped an older file keeps its inode.
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return target;
    }

    private static bool SameContent(string path, byte[] expected)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Length == expected.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(expected);
        }
        catch (IOException)
        {
            return false;
        }
    }
}

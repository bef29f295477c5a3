using System.Runtime.InteropServices;
using Qcqa.Torch.Native.Elf;

namespace Qcqa.Torch.Native;

/// <summary>
/// Finds the libstdc++ this process uses and the symbol versions it defines. The process's own copy is the one
/// that counts: the dynamic linker binds every later library to the <c>libstdc++.so.6</c> already loaded, whatever
/// else is installed.
/// </summary>
internal static class SystemLibStdCxx
{
    private const string SoName = "libstdc++.so.6";

    /// <summary>
    /// The path of the libstdc++ mapped into this process, loading it by its soname first if nothing has yet
    /// (the .NET runtime itself links it, so normally it is there already).
    /// </summary>
    /// <returns>The path, or null when it cannot be found (not Linux, or no <c>/proc</c>).</returns>
    public static string? LocateLoaded()
    {
        var path = FindMapped();
        if (path is not null) return path;
        if (!NativeLibrary.TryLoad(SoName, out _)) return null;
        return FindMapped();
    }

    /// <summary>The version names (e.g. <c>GLIBCXX_3.4.30</c>) the libstdc++ at <paramref name="path"/> defines.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable ELF64 library.</exception>
    public static IReadOnlyList<string> ProvidedVersions(string path) =>
        ElfImage.Parse(File.ReadAllBytes(path)).VersionDefinitions;

    private static string? FindMapped()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (var line in File.ReadLines(maps))
        {
            // Fields: address perms offset dev inode path; the path is absent for anonymous mappings.
            var slash = line.IndexOf('/');
            if (slash < 0) continue;
            var path = line[slash..].Trim();
            if (Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal) && File.Exists(path))
                return path;
        }
        return null;
    }
}

using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Output;

/// <summary>
/// Path checks shared by every command that writes: a path given by the user is turned into a full path or a clear
/// error, and compared with inputs by its real location (symbolic links resolved), so that no output, cache or
/// temporary file can land inside an input, whatever links or <c>..</c> the path takes.
/// </summary>
public static class OutputPaths
{
    private static StringComparison Comparison => OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The full path of a user-given path.</summary>
    /// <param name="path">The path as given (relative to the current folder).</param>
    /// <param name="what">How messages name it, e.g. "--out".</param>
    /// <exception cref="QcqaException">QCQA003 when it is empty, blank or holds characters no path can hold.</exception>
    public static string Full(string? path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new QcqaException(ErrorCodes.BadArgument, $"{what} is empty; give a path.");
        if (path.Contains('\0'))
            throw new QcqaException(ErrorCodes.BadArgument, $"{what} contains a NUL character, which no path can hold.");
        try
        {
            return Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new QcqaException(ErrorCodes.BadArgument, $"{what} '{path}' is not a usable path: {e.Message}", inner: e);
        }
    }

    /// <summary>
    /// The real location of <paramref name="path"/>: every existing component that is a symbolic link is replaced by
    /// its final target; components that do not exist yet are kept as written.
    /// </summary>
    public static string Real(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "/";
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo? target = null;
            try
            {
                var info = Directory.Exists(next) ? (FileSystemInfo)new DirectoryInfo(next) : new FileInfo(next);
                if (info.Exists && info.LinkTarget is not null) target = info.ResolveLinkTarget(returnFinalTarget: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A link loop or an unreadable link: keep the name; the write itself will report the problem.
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            // The target may itself sit under links (relative targets): resolve it as a whole, then go on.
            current = Real(target.FullName);
        }
        return Path.TrimEndingDirectorySeparator(current);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or inside it (both full paths).</summary>
    public static bool IsSameOrInside(string path, string folder)
    {
        path = Path.TrimEndingDirectorySeparator(path);
        folder = Path.TrimEndingDirectorySeparator(folder);
        return path.Equals(folder, Comparison) || path.StartsWith(folder + Path.DirectorySeparatorChar, Comparison)
            || (folder.Length > 0 && folder[^1] == Path.DirectorySeparatorChar && path.StartsWith(folder, Comparison));
    }

    /// <summary>True when one of the two folders is the other or inside it, comparing real locations.</summary>
    public static bool Overlap(string a, string b)
    {
        var (realA, realB) = (Real(a), Real(b));
        return IsSameOrInside(realA, realB) || IsSameOrInside(realB, realA);
    }

    /// <summary>Refuses to write <paramref name="output"/> when it is an input folder or inside one (real locations).</summary>
    /// <param name="output">The full output path.</param>
    /// <param name="what">How messages name the output, e.g. "The output folder".</param>
    /// <param name="inputs">Input folders that must never be written.</param>
    /// <exception cref="QcqaException">QCQA002.</exception>
    public static void CheckOutsideInputs(string output, string what, params string[] inputs)
    {
        var real = Real(output);
        foreach (var input in inputs)
        {
            var realInput = Real(input);
            if (IsSameOrInside(real, realInput))
                throw new QcqaException(ErrorCodes.BadOutputPath,
                    $"{what} is the input folder '{input}' or inside it{(real != output ? $" (through a link: it is really '{real}')" : "")}; inputs are never modified, choose another path.", output);
            if (IsSameOrInside(realInput, real))
                throw new QcqaException(ErrorCodes.BadOutputPath, $"{what} contains the input folder '{input}'; writing there could destroy the input.", output);
        }
    }
}

using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Output;

/// <summary>
/// The one place that turns an exception thrown while writing into a user error naming the path: disk full,
/// permission denied, read-only file system, path too long, a file where a folder is needed and the reverse.
/// Every writer of the engine (atomic files, checkpoint folders, cache entries that are not best effort, reports)
/// runs its I/O through <see cref="Run"/>.
/// </summary>
public static class WriteFailures
{
    // errno values (Linux; macOS shares all but ENOSPC-adjacent quota codes), which .NET puts in IOException.HResult on Unix.
    private const int Enotdir = 20, Eisdir = 21, Enospc = 28, Erofs = 30, Enametoolong = 36, Edquot = 122;
    // Windows HRESULTs for the same conditions.
    private const int HrDiskFull = unchecked((int)0x80070070), HrHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>Runs <paramref name="write"/>; an I/O failure becomes a <see cref="QcqaException"/> naming <paramref name="path"/>.</summary>
    /// <param name="path">What is being written (a file or a folder), for the message.</param>
    /// <param name="write">The writing.</param>
    /// <exception cref="QcqaException">QCQA002 (unusable path) or QCQA004 (the write failed).</exception>
    public static void Run(string path, Action write) => Run(path, () =>
    {
        write();
        return 0;
    });

    /// <summary>Runs <paramref name="write"/> and returns its result (see <see cref="Run(string, Action)"/>).</summary>
    public static T Run<T>(string path, Func<T> write)
    {
        Preconditions.CheckNotNull(write);
        try
        {
            return write();
        }
        catch (Exception e) when (Map(e, path) is { } error)
        {
            throw error;
        }
    }

    /// <summary>The user error for an I/O exception thrown while writing <paramref name="path"/>, or null when it is not an I/O failure.</summary>
    public static QcqaException? Map(Exception e, string path)
    {
        var blocker = FileInTheWay(path);
        return e switch
        {
            PathTooLongException => new(ErrorCodes.BadOutputPath, $"The path is too long for the file system: {e.Message}", path, inner: e),
            UnauthorizedAccessException => new(ErrorCodes.WriteFailed, $"Permission denied while writing: {e.Message}", path, inner: e),
            DirectoryNotFoundException when blocker is not null => InTheWay(blocker, path, e),
            DirectoryNotFoundException => new(ErrorCodes.BadOutputPath, $"A folder on the output path does not exist: {e.Message}", path, inner: e),
            IOException io => io.HResult switch
            {
                Enospc or Edquot or HrDiskFull or HrHandleDiskFull => new(ErrorCodes.WriteFailed, "The disk is full (or the quota is used up); nothing partial was kept. Free some space and run again.", path, inner: e),
                Erofs => new(ErrorCodes.WriteFailed, "The file system is read-only.", path, inner: e),
                Enametoolong => new(ErrorCodes.BadOutputPath, "A name on the path is too long for the file system.", path, inner: e),
                Enotdir when blocker is not null => InTheWay(blocker, path, e),
                Eisdir => new(ErrorCodes.BadOutputPath, "A folder is where a file should be written; remove it or choose another path.", path, inner: e),
                _ when blocker is not null => InTheWay(blocker, path, e),
                _ => new(ErrorCodes.WriteFailed, $"Writing failed: {io.Message}", path, inner: e),
            },
            _ => null,
        };
    }

    private static QcqaException InTheWay(string blocker, string path, Exception e)
        => new(ErrorCodes.BadOutputPath, $"'{blocker}' is a file, so nothing can be created under it; choose another output path.", path, inner: e);

    /// <summary>The first proper ancestor of <paramref name="path"/> that exists as a file (so no folder can be made under it), or null.</summary>
    public static string? FileInTheWay(string path)
    {
        try
        {
            for (var folder = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
            {
                if (File.Exists(folder)) return folder;
                if (Directory.Exists(folder)) return null;
            }
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
        }
        return null;
    }
}

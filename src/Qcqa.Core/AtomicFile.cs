using Qcqa.Core.Diagnostics;
using Qcqa.Core.Output;

namespace Qcqa.Core;

/// <summary>
/// Writes files so that readers never see a half-written one: content goes to a temporary file in the same folder,
/// named after its owner process (<see cref="OwnedTemporaries"/>), which is then renamed over the target (rename is
/// atomic on one file system). Every I/O failure becomes a <see cref="QcqaException"/> naming the path
/// (<see cref="WriteFailures"/>) and leaves no temporary behind.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="QcqaException">QCQA002 or QCQA004 when the file cannot be written.</exception>
    public static void WriteAllText(string path, string text) => Write(path, stream =>
    {
        // leaveOpen: Write flushes the stream to disk after this callback returns.
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
        writer.Write(text);
    });

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="QcqaException">QCQA002 or QCQA004 when the file cannot be written.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Runs <paramref name="write"/> on a temporary file, flushes it, and renames it to <paramref name="path"/>.</summary>
    /// <exception cref="QcqaException">QCQA002 (a folder or a file in the way, an unusable path) or QCQA004 (disk full,
    /// permission denied) when the file cannot be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var full = OutputPaths.Full(path, "The output file");
        if (Directory.Exists(full))
            throw new QcqaException(ErrorCodes.BadOutputPath, "A folder is where this file should be written; remove it or choose another path.", path);
        WriteFailures.Run(full, () =>
        {
            var folder = Path.GetDirectoryName(full)!;
            Directory.CreateDirectory(folder);
            OwnedTemporaries.CleanStale(full);
            var temporary = OwnedTemporaries.TemporaryFor(full);
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, full, overwrite: true);
            }
            catch
            {
                OwnedTemporaries.Delete(temporary);
                throw;
            }
        });
    }
}

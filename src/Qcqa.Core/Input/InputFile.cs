using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Input;

/// <summary>
/// Reads a whole input file (JSON or YAML) with a size limit, turning every way the read can fail into a
/// <see cref="QcqaException"/> that names the file: missing, a folder where a file is expected, unreadable, too large.
/// </summary>
public static class InputFile
{
    /// <summary>Reads <paramref name="path"/> whole.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">Refuse larger files (checked before reading).</param>
    /// <param name="missingCode">The code for a missing file (each format has its own).</param>
    /// <param name="badCode">The code for a file that exists but cannot be used (too large, a folder, unreadable).</param>
    /// <param name="what">How messages name the file, e.g. "The shard index".</param>
    /// <exception cref="QcqaException">With <paramref name="missingCode"/> or <paramref name="badCode"/>.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes, string missingCode, string badCode, string what)
    {
        Preconditions.CheckNotNull(path);
        if (Directory.Exists(path))
            throw new QcqaException(badCode, $"{what} is a folder; a file is expected here.", path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
            var length = stream.Length;
            if (length > maxBytes)
                throw new QcqaException(badCode, $"{what} is {length:N0} bytes long, over the {maxBytes:N0}-byte limit for this kind of file.", path);
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QcqaException(missingCode, $"{what} does not exist.", path, inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QcqaException(badCode, $"{what} cannot be read: {e.Message}", path, inner: e);
        }
    }
}

namespace Qcqa.Tests.Shared;

/// <summary>A fresh folder under the system temporary folder, deleted with everything in it on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder, <c>$TMPDIR/qcqa-tests/&lt;prefix&gt;-&lt;12 hex digits&gt;</c> (short, for tools that mind long paths).</summary>
    /// <param name="prefix">A readable prefix for the folder's name.</param>
    public TempFolder(string prefix = "t")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qcqa-tests", $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder (not created).</summary>
    /// <param name="parts">Names of the folders and the file below <see cref="Path"/>.</param>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a UTF-8 text file (creating its folder) and returns its full path.</summary>
    /// <param name="relativePath">The file's path below <see cref="Path"/>.</param>
    /// <param name="text">The file's content.</param>
    public string Write(string relativePath, string text)
    {
        var path = Combine(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Deletes the folder; one already gone, or a file still held open, is left as it is rather than failing the test.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

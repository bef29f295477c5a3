using System.Text;

namespace Qcqa.Core.Build;

/// <summary>
/// The dependency file: how the engine tells MSBuild what a build read and wrote, so that the targets can skip
/// the engine when nothing changed and <c>dotnet clean</c> can delete what it produced.
/// </summary>
/// <remarks>
/// <para>Format (version 1): UTF-8 text without BOM, lines ending in LF (readers accept CRLF). Each line is
/// either empty, a comment starting with <c>#</c>, or an entry <c>kind&lt;TAB&gt;full path</c> where kind is
/// <c>input</c> (a file the build read: the spec, model files, held-out text) or <c>output</c> (a file the build
/// produced, whether or not this run rewrote it). Paths are absolute; readers resolve relative ones against the
/// file's folder. Readers ignore entries of unknown kinds, so new kinds can be added without breaking old
/// targets.</para>
/// <para>The engine writes the file atomically (temporary file, then rename), only after a successful build,
/// listing every input and output of that build — not just those of the variants it recomputed. The MSBuild
/// task <c>QcqaReadDependencies</c> reads it; <see cref="DependencyFileWriter"/> writes it.</para>
/// </remarks>
public static class DependencyFile
{
    /// <summary>Kind of an entry naming a file the build read.</summary>
    public const string InputKind = "input";

    /// <summary>Kind of an entry naming a file the build produced.</summary>
    public const string OutputKind = "output";

    /// <summary>The first line written: a comment naming the format and its version.</summary>
    public const string Header = "# qcqa dependency file, format 1";

    /// <summary>Reads a dependency file (for example to find the outputs of the previous build).</summary>
    /// <returns>The entries, or empty lists when the file does not exist.</returns>
    public static DependencyFileContents Read(string path)
    {
        Preconditions.CheckNotNull(path);
        if (!File.Exists(path)) return new DependencyFileContents([], []);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var inputs = new List<string>();
        var outputs = new List<string>();
        foreach (var line in File.ReadAllLines(path, Encoding.UTF8))
        {
            var tab = line.IndexOf('\t');
            if (line.Length == 0 || line[0] == '#' || tab < 0) continue;
            var entry = Path.GetFullPath(Path.Combine(folder, line[(tab + 1)..]));
            switch (line[..tab])
            {
                case InputKind: inputs.Add(entry); break;
                case OutputKind: outputs.Add(entry); break;
            }
        }
        return new DependencyFileContents(inputs, outputs);
    }
}

using System.Text;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Reads the dependency file the engine writes (format in Qcqa.Core's <c>DependencyFile</c>: lines
/// <c>input&lt;TAB&gt;path</c> / <c>output&lt;TAB&gt;path</c>, <c>#</c> comments, unknown kinds ignored).
/// </summary>
internal static class DependencyFileReader
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">The dependency file.</param>
    /// <param name="problems">Receives (line number, text) for each line that is not an entry, comment or blank.</param>
    /// <returns>The inputs and outputs as full paths; null when the file does not exist.</returns>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    internal static (List<string> Inputs, List<string> Outputs)? Read(string path, Action<int, string> problems)
    {
        if (!File.Exists(path)) return null;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var inputs = new List<string>();
        var outputs = new List<string>();
        var number = 0;
        foreach (var line in File.ReadAllLines(path, Encoding.UTF8))
        {
            number++;
            if (line.Trim().Length == 0 || line[0] == '#') continue;
            var tab = line.IndexOf('\t');
            if (tab <= 0 || tab == line.Length - 1)
            {
                problems(number, line);
                continue;
            }
            var entry = Path.GetFullPath(Path.Combine(folder, line[(tab + 1)..]));
            switch (line[..tab])
            {
                case "input": inputs.Add(entry); break;
                case "output": outputs.Add(entry); break;
                // Other kinds are for newer targets; ignoring them keeps old targets working with a newer engine.
            }
        }
        return (inputs, outputs);
    }
}

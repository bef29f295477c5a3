using System.Text;
using Qcqa.Build;

namespace Qcqa.Core.Build;

/// <summary>
/// Collects the inputs and outputs of an engine build and writes them as the dependency file MSBuild reads (format
/// in <c>EngineContract.DependencyFile</c>, src/Shared/EngineContract.cs). Thread-safe, so parallel work can record
/// what it touches.
/// </summary>
public sealed class DependencyFileWriter
{
    private readonly object _gate = new();
    // Insertion order is kept (it is the order work happened, handy when reading the file); the sets dedupe.
    private readonly List<string> _inputs = [];
    private readonly List<string> _outputs = [];
    private readonly HashSet<string> _seenInputs = new(PathComparer);
    private readonly HashSet<string> _seenOutputs = new(PathComparer);

    private static StringComparer PathComparer => OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>Records a file the build read (made absolute; duplicates ignored).</summary>
    /// <exception cref="ArgumentException">The path contains a tab or a line break, which the format cannot hold.</exception>
    public void AddInput(string path) => Add(path, _inputs, _seenInputs);

    /// <summary>Records a file the build produced (made absolute; duplicates ignored).</summary>
    /// <exception cref="ArgumentException">The path contains a tab or a line break, which the format cannot hold.</exception>
    public void AddOutput(string path) => Add(path, _outputs, _seenOutputs);

    /// <summary>The inputs recorded so far, in the order first recorded.</summary>
    public IReadOnlyList<string> Inputs
    {
        get { lock (_gate) return _inputs.ToArray(); }
    }

    /// <summary>The outputs recorded so far, in the order first recorded.</summary>
    public IReadOnlyList<string> Outputs
    {
        get { lock (_gate) return _outputs.ToArray(); }
    }

    /// <summary>The file's text.</summary>
    public string Format()
    {
        lock (_gate) return EngineContract.DependencyFile.Format(_inputs, _outputs);
    }

    /// <summary>Writes the file atomically (UTF-8, no BOM). Call it only after the build succeeded.</summary>
    public void Write(string path) => AtomicFile.WriteAllBytes(Preconditions.CheckNotNull(path), new UTF8Encoding(false).GetBytes(Format()));

    private void Add(string path, List<string> list, HashSet<string> seen)
    {
        Preconditions.CheckNotNull(path);
        Preconditions.CheckArgument(EngineContract.DependencyFile.CanHold(path), $"A dependency-file path cannot contain tabs or line breaks: '{path}'.");
        var full = Path.GetFullPath(path);
        lock (_gate)
        {
            if (seen.Add(full)) list.Add(full);
        }
    }
}

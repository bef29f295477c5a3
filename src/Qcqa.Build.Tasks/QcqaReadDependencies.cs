using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Reads the dependency files of the previous QCQA build (one per spec) into items: what it read becomes the
/// incremental-build inputs, what it produced the outputs to register in <c>FileWrites</c>. A missing file is
/// not an error: it only means the engine has not run yet.
/// </summary>
/// <remarks>
/// When <see cref="StampFile"/> is given, the task deletes it if the previous build's results are incomplete (a
/// spec without a dependency file, or a recorded output that no longer exists), so that MSBuild's timestamp
/// check cannot skip the engine while outputs are missing. <see cref="Execute"/> never throws.
/// </remarks>
public sealed class QcqaReadDependencies : Microsoft.Build.Utilities.Task
{
    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The spec files.</summary>
    [Required]
    public ITaskItem[] Specs { get; set; } = [];

    /// <summary>The folder holding the dependency files (the targets use <c>$(IntermediateOutputPath)qcqa/</c>).</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = "";

    /// <summary>The target's stamp file, deleted when the previous build's results are incomplete; optional.</summary>
    public string? StampFile { get; set; }

    /// <summary>The specs as full paths, each with <c>DependencyFile</c> metadata (where its engine run writes it).</summary>
    [Output]
    public ITaskItem[] ResolvedSpecs { get; private set; } = [];

    /// <summary>Files the previous builds read.</summary>
    [Output]
    public ITaskItem[] Inputs { get; private set; } = [];

    /// <summary>Files the previous builds produced.</summary>
    [Output]
    public ITaskItem[] Outputs { get; private set; } = [];

    /// <summary>The dependency files that exist.</summary>
    [Output]
    public ITaskItem[] DependencyFiles { get; private set; } = [];

    /// <inheritdoc />
    public override bool Execute()
    {
        try
        {
            if (string.IsNullOrWhiteSpace(IntermediateDirectory))
            {
                Log.LogError(null, TaskError.BadParameter.Code(), null, null, 0, 0, 0, 0, "QcqaReadDependencies needs an IntermediateDirectory.");
                return false;
            }
            var folder = Path.GetFullPath(IntermediateDirectory);
            var resolved = new List<ITaskItem>();
            var inputs = new List<string>();
            var outputs = new List<string>();
            var existing = new List<ITaskItem>();
            string? staleReason = null;

            foreach (var spec in Specs.Select(s => Path.GetFullPath(s.ItemSpec)).Distinct(PathComparer))
            {
                var dependencyFile = DependencyFileNames.For(spec, folder);
                var item = new TaskItem(spec);
                item.SetMetadata("DependencyFile", dependencyFile);
                resolved.Add(item);

                var contents = TryRead(dependencyFile);
                if (contents is null)
                {
                    staleReason ??= $"no dependency file for {spec} yet";
                    continue;
                }
                existing.Add(new TaskItem(dependencyFile));
                inputs.AddRange(contents.Value.Inputs);
                outputs.AddRange(contents.Value.Outputs);
                if (contents.Value.Outputs.FirstOrDefault(o => !File.Exists(o)) is { } missing)
                    staleReason ??= $"{missing} was deleted";
            }

            ResolvedSpecs = resolved.ToArray();
            Inputs = inputs.Distinct(PathComparer).Select(p => (ITaskItem)new TaskItem(p)).ToArray();
            Outputs = outputs.Distinct(PathComparer).Select(p => (ITaskItem)new TaskItem(p)).ToArray();
            DependencyFiles = existing.ToArray();
            if (staleReason is not null && !string.IsNullOrEmpty(StampFile) && File.Exists(StampFile))
            {
                Log.LogMessage(MessageImportance.Normal, "QCQA will run: {0}.", staleReason);
                File.Delete(StampFile);
            }
            return !Log.HasLoggedErrors;
        }
        catch (Exception e)
        {
            Log.LogErrorFromException(e, showStackTrace: true);
            return false;
        }
    }

    private (List<string> Inputs, List<string> Outputs)? TryRead(string dependencyFile)
    {
        try
        {
            return DependencyFile.Read(dependencyFile, (line, text) =>
                Log.LogWarning(null, TaskError.BadDependencyFile.Code(), null, dependencyFile, line, 0, 0, 0,
                    "Ignored a line that is not 'input<TAB>path' or 'output<TAB>path': {0}", text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable is treated like absent: the engine runs again and rewrites it.
            Log.LogWarning(null, TaskError.BadDependencyFile.Code(), null, dependencyFile, 0, 0, 0, 0,
                "Could not read the QCQA dependency file ({0}); the engine will run again.", e.Message);
            return null;
        }
    }
}

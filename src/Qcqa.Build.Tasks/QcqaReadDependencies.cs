using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Reads the dependency files of the previous QCQA build (one per spec) into items: what it read becomes the
/// incremental-build inputs, what it produced the outputs to register in <c>FileWrites</c>. A missing file is
/// not an error: it only means the engine has not run yet. It also names the build state's stamp and settings files
/// (<see cref="DependencyFileNames"/>: keyed by the specs, the output folder and the cache folder) and lists, in
/// <see cref="KeptFiles"/>, every state file in the folder and every output any of them records, so that the targets
/// can keep all of them in <c>FileWrites</c> — also in a build with QCQA switched off, or with other folders.
/// </summary>
/// <remarks>
/// Why <see cref="KeptFiles"/>: MSBuild's IncrementalClean deletes every file under the output and intermediate folders
/// that the previous build listed in <c>FileWrites</c> and this one does not. A build that did not list the checkpoints
/// (QcqaEnabled=false, another QcqaOutputPath) would delete them, and the next build would have to write them again.
/// With <see cref="DeleteStaleStamp"/>, the task deletes the stamp if the previous build's results are incomplete (a
/// spec without a dependency file, or a recorded output that no longer exists), so that MSBuild's timestamp
/// check cannot skip the engine while outputs are missing. <see cref="Execute"/> never throws.
/// </remarks>
public sealed class QcqaReadDependencies : Microsoft.Build.Utilities.Task
{
    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The spec files; none when QCQA is switched off (then only <see cref="KeptFiles"/> is of use).</summary>
    public ITaskItem[] Specs { get; set; } = [];

    /// <summary>The folder holding the dependency files (the targets use <c>$(IntermediateOutputPath)qcqa/</c>).</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = "";

    /// <summary>The folder the checkpoints go to (<c>QcqaOutputPath</c>); part of the state's key.</summary>
    public string OutputPath { get; set; } = "";

    /// <summary>The engine's cache folder (<c>QcqaCachePath</c>); part of the state's key.</summary>
    public string CachePath { get; set; } = "";

    /// <summary>Delete <see cref="StampFile"/> when the previous build's results are incomplete.</summary>
    public bool DeleteStaleStamp { get; set; }

    /// <summary>The target's stamp file for these specs and folders.</summary>
    [Output]
    public string StampFile { get; private set; } = "";

    /// <summary>The settings file (what changes outputs without touching an input file) for these specs and folders.</summary>
    [Output]
    public string SettingsFile { get; private set; } = "";

    /// <summary>
    /// Every state file in the intermediate folder (dependency files, stamps and settings of any specs and folders) and
    /// every output their dependency files record: what a build must keep in <c>FileWrites</c>.
    /// </summary>
    [Output]
    public ITaskItem[] KeptFiles { get; private set; } = [];

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
            var outputPath = Full(OutputPath);
            var cachePath = Full(CachePath);
            var specs = Specs.Select(s => Path.GetFullPath(s.ItemSpec)).Distinct(PathComparer).ToArray();
            StampFile = DependencyFileNames.StampFor(specs, folder, outputPath, cachePath);
            SettingsFile = DependencyFileNames.SettingsFor(specs, folder, outputPath, cachePath);
            var resolved = new List<ITaskItem>();
            var inputs = new List<string>();
            var outputs = new List<string>();
            var existing = new List<ITaskItem>();
            string? staleReason = null;

            foreach (var spec in specs)
            {
                var dependencyFile = DependencyFileNames.For(spec, folder, outputPath, cachePath);
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
            KeptFiles = Kept(folder, outputs).Distinct(PathComparer).Select(p => (ITaskItem)new TaskItem(p)).ToArray();
            if (staleReason is not null && DeleteStaleStamp && File.Exists(StampFile))
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

    // The state files of every key in the folder, and the outputs their dependency files record (those of this build's
    // own dependency files are already read; the others are read here, warnings included).
    private IEnumerable<string> Kept(string folder, List<string> currentOutputs)
    {
        if (!Directory.Exists(folder)) return currentOutputs;
        var kept = new List<string>(currentOutputs);
        var current = new HashSet<string>(Specs.Select(s => DependencyFileNames.For(Path.GetFullPath(s.ItemSpec), folder, Full(OutputPath), Full(CachePath))), PathComparer);
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            if (!DependencyFileNames.IsStateFile(Path.GetFileName(file))) continue;
            kept.Add(file);
            if (file.EndsWith(DependencyFileNames.DependencyExtension, StringComparison.Ordinal) && !current.Contains(file) && TryRead(file) is { } other)
                kept.AddRange(other.Outputs);
        }
        return kept;
    }

    private static string Full(string path) => string.IsNullOrWhiteSpace(path) ? "" : Path.GetFullPath(path);

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

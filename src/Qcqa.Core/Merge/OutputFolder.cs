using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Input;
using Qcqa.Core.Output;

namespace Qcqa.Core.Merge;

/// <summary>
/// The output folder of a merge (or any checkpoint the engine writes), built in a temporary sibling named after its
/// owner process (<see cref="OwnedTemporaries"/>) and renamed into place only when complete, so nothing partial ever
/// appears at the output path. An existing output is replaced only when it is a previous QcqaBuild output (its config
/// has a <c>qcqa</c> block) or an empty folder. On failure or cancellation <see cref="Abandon"/> removes the
/// temporary folder and the parent folders this instance created; orphans of killed runs are removed when the next
/// run starts on the same output.
/// </summary>
public sealed class OutputFolder
{
    private readonly List<string> _createdParents;

    private OutputFolder(string target, string temporary, List<string> createdParents)
    {
        Target = target;
        Temporary = temporary;
        _createdParents = createdParents;
    }

    /// <summary>The final output path (full).</summary>
    public string Target { get; }

    /// <summary>The temporary folder being filled.</summary>
    public string Temporary { get; }

    /// <summary>Checks the output path against the inputs (real locations) and creates the temporary folder.</summary>
    /// <param name="output">The output folder as given.</param>
    /// <param name="inputs">Folders that must not be written (the input model).</param>
    /// <exception cref="QcqaException">QCQA002 when the output is an input, nests with it, is a file, or is a folder that is
    /// not QcqaBuild output; QCQA003 when the path is empty; QCQA004 when the folder cannot be created.</exception>
    public static OutputFolder Create(string output, params string[] inputs)
    {
        var target = OutputPaths.Full(output, "The output folder");
        OutputPaths.CheckOutsideInputs(target, "The output folder", inputs);
        CheckReplaceable(target, output);
        return WriteFailures.Run(target, () =>
        {
            OwnedTemporaries.CleanStale(target);
            var created = new List<string>();
            for (var parent = Path.GetDirectoryName(target); !string.IsNullOrEmpty(parent) && !Directory.Exists(parent); parent = Path.GetDirectoryName(parent))
                created.Add(parent);
            var folder = new OutputFolder(target, OwnedTemporaries.TemporaryFor(target), created);
            try
            {
                Directory.CreateDirectory(folder.Temporary);
            }
            catch
            {
                folder.Abandon();
                throw;
            }
            return folder;
        });
    }

    /// <summary>Moves the finished temporary folder to the output path, replacing a previous output.</summary>
    /// <param name="output">The output folder as given (for messages).</param>
    /// <exception cref="QcqaException">QCQA002 when the output became something that must not be replaced; QCQA004 when the rename fails.</exception>
    public void Commit(string output) => WriteFailures.Run(Target, () =>
    {
        if (!Path.Exists(Target))
        {
            Directory.Move(Temporary, Target);
            return;
        }
        // The check is repeated: the folder may have changed while the merge ran.
        CheckReplaceable(Target, output);
        var old = OwnedTemporaries.AsideFor(Target);
        Directory.Move(Target, old);
        try
        {
            Directory.Move(Temporary, Target);
        }
        catch
        {
            Directory.Move(old, Target);
            throw;
        }
        OwnedTemporaries.Delete(old);
    });

    /// <summary>Deletes the temporary folder and the parents this instance created (after a failure or cancellation).</summary>
    public void Abandon()
    {
        OwnedTemporaries.Delete(Temporary);
        foreach (var parent in _createdParents)
        {
            try
            {
                if (Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any()) Directory.Delete(parent);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing sensible to do: the failure being reported matters more than an empty folder.
            }
        }
    }

    private static void CheckReplaceable(string target, string output)
    {
        if (File.Exists(target))
            throw new QcqaException(ErrorCodes.BadOutputPath, "A file is in the way of the output folder.", output);
        if (WriteFailures.FileInTheWay(target) is { } blocker)
            throw new QcqaException(ErrorCodes.BadOutputPath, $"'{blocker}' is a file, so the output folder cannot be created under it.", output);
        if (!Directory.Exists(target) || !Directory.EnumerateFileSystemEntries(target).Any()) return;
        if (!IsQcqaOutput(target))
            throw new QcqaException(ErrorCodes.BadOutputPath,
                "The output folder exists and is not a QcqaBuild output (its config.json has no \"qcqa\" block); refusing to replace it. Delete it or choose another output folder.", output);
    }

    private static bool IsQcqaOutput(string folder)
    {
        try
        {
            var config = Path.Combine(folder, ModelConfig.FileName);
            return File.Exists(config)
                && JsonInput.Read(config, ErrorCodes.BadModelConfig, ErrorCodes.BadModelConfig, "config.json") is { IsObject: true } root
                && root[QcqaConfigBlock.PropertyName] is { IsObject: true };
        }
        catch (QcqaException)
        {
            return false;
        }
    }
}

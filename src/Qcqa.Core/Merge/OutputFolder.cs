using System.Text.Json;
using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Merge;

/// <summary>
/// The output folder of a merge, built in a temporary sibling (<c>&lt;out&gt;.tmp-&lt;guid&gt;</c>) and renamed into
/// place only when complete, so nothing partial ever appears at the output path. An existing output is replaced
/// only when it is a previous QcqaBuild output (its config has a <c>qcqa</c> block) or an empty folder.
/// </summary>
internal sealed class OutputFolder
{
    private OutputFolder(string target, string temporary)
    {
        Target = target;
        Temporary = temporary;
    }

    /// <summary>The final output path (full).</summary>
    internal string Target { get; }

    /// <summary>The temporary folder being filled.</summary>
    internal string Temporary { get; }

    /// <summary>Checks the output path and creates the temporary folder.</summary>
    /// <exception cref="QcqaException">QCQA002 when the output is the input, nests with it, is a file, or is a folder that is not QcqaBuild output.</exception>
    internal static OutputFolder Create(string output, string input)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
        var source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input));
        if (IsSameOrInside(target, source))
            throw new QcqaException(ErrorCodes.BadOutputPath, "The output folder is the input folder or inside it; the input is never modified, choose another output folder.", output);
        if (IsSameOrInside(source, target))
            throw new QcqaException(ErrorCodes.BadOutputPath, "The output folder contains the input folder; replacing it would destroy the input.", output);
        CheckReplaceable(target, output);

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var temporary = $"{target}.tmp-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temporary);
        return new OutputFolder(target, temporary);
    }

    /// <summary>Moves the finished temporary folder to the output path, replacing a previous output.</summary>
    internal void Commit(string output)
    {
        if (!Directory.Exists(Target))
        {
            Directory.Move(Temporary, Target);
            return;
        }
        // The check is repeated: the folder may have changed while the merge ran.
        CheckReplaceable(Target, output);
        var old = $"{Target}.old-{Guid.NewGuid():N}";
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
        TryDelete(old);
    }

    /// <summary>Deletes the temporary folder (after a failure).</summary>
    internal void Abandon() => TryDelete(Temporary);

    private static void CheckReplaceable(string target, string output)
    {
        if (File.Exists(target))
            throw new QcqaException(ErrorCodes.BadOutputPath, "A file is in the way of the output folder.", output);
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
            return File.Exists(config) && JsonNode.Parse(File.ReadAllBytes(config)) is JsonObject root && root[QcqaConfigBlock.PropertyName] is JsonObject;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsSameOrInside(string path, string folder)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return path.Equals(folder, comparison) || path.StartsWith(folder + Path.DirectorySeparatorChar, comparison);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing sensible to do: the failure being reported matters more than a leftover temporary folder.
        }
    }
}

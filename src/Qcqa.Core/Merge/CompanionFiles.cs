using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Merge;

/// <summary>
/// The files of a model folder that a writer of a new checkpoint copies as they are: everything except the
/// safetensors weights, <c>config.json</c> and the shard index (which each writer produces itself), and except
/// weights in other formats (pickle <c>.bin</c>/<c>.pt</c>/<c>.pth</c>, TensorFlow, Flax, GGUF), which would describe
/// the input model next to the new one. Subfolders are copied with their files.
/// </summary>
public static class CompanionFiles
{
    /// <summary>Copies the companion files of <paramref name="input"/> into <paramref name="destination"/>.</summary>
    /// <param name="input">The open input checkpoint.</param>
    /// <param name="destination">The folder being built (it exists).</param>
    /// <param name="cancellation">Checked before every file.</param>
    /// <returns>The relative paths copied and the stale weight files left out, in ordinal order.</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="IOException">A copy failed (callers map it through <c>WriteFailures</c>).</exception>
    public static (List<string> Copied, List<string> Skipped) Copy(Checkpoint input, string destination, CancellationToken cancellation)
    {
        Preconditions.CheckNotNull(input);
        Preconditions.CheckNotNull(destination);
        var regenerated = new HashSet<string>(input.Files.Select(f => Path.GetFileName(f.Path)), StringComparer.Ordinal)
        {
            ModelConfig.FileName,
            ShardIndex.FileName,
        };
        var copied = new List<string>();
        var skipped = new List<string>();
        var source = Path.GetFullPath(input.Folder);
        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var file in Directory.EnumerateFiles(source, "*", enumeration).Order(StringComparer.Ordinal))
        {
            cancellation.ThrowIfCancellationRequested();
            var relative = Path.GetRelativePath(source, file);
            if (regenerated.Contains(relative)) continue;
            if (IsStaleWeights(relative))
            {
                skipped.Add(relative);
                continue;
            }
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            copied.Add(relative);
        }
        return (copied, skipped);
    }

    // Weights in formats no writer rewrites would describe the input model next to the new one.
    private static bool IsStaleWeights(string relative)
    {
        var name = Path.GetFileName(relative);
        var extension = Path.GetExtension(name).ToLowerInvariant();
        return extension is ".bin" or ".pt" or ".pth" or ".ckpt" or ".h5" or ".msgpack" or ".gguf"
            || name.Equals("pytorch_model.bin.index.json", StringComparison.Ordinal)
            || name.Equals("tf_model.h5.index.json", StringComparison.Ordinal)
            || name.Equals("flax_model.msgpack.index.json", StringComparison.Ordinal);
    }
}

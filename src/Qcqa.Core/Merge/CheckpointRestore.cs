using Qcqa.Core.Cache;

namespace Qcqa.Core.Merge;

/// <summary>
/// Puts a checkpoint from the <see cref="CheckpointCache"/> at an output path the way a merge would: into an owned
/// temporary folder, with the output's own build stamp, renamed into place only when every file checked out.
/// </summary>
public static class CheckpointRestore
{
    /// <summary>Restores the entry <paramref name="key"/> to <paramref name="outputFolder"/>, if the cache holds an intact one.</summary>
    /// <param name="cache">The checkpoint cache.</param>
    /// <param name="key">The checkpoint's key.</param>
    /// <param name="outputFolder">Where it goes (replaced only when it is QcqaBuild output, as by a merge).</param>
    /// <param name="inputs">Folders the output must stay out of (the input model).</param>
    /// <param name="beforeCommit">Called with the temporary folder and the restored file names (the caller writes its stamp).</param>
    /// <param name="cancellation">Stops the copy; nothing is left behind.</param>
    /// <returns>True when the output now holds the cached checkpoint; false on a miss, with the output left as it was.</returns>
    /// <exception cref="Diagnostics.QcqaException">The output path is unusable or cannot be written (as for a merge).</exception>
    public static bool TryRestore(CheckpointCache cache, CacheKey key, string outputFolder, string[] inputs,
        Action<string, IReadOnlyList<string>> beforeCommit, CancellationToken cancellation = default)
    {
        Preconditions.CheckNotNull(cache);
        Preconditions.CheckNotNull(beforeCommit);
        // Cheap check first: a miss must not create (and remove) a temporary folder beside the output.
        if (!Directory.Exists(cache.EntryPath(key))) return false;
        var folder = OutputFolder.Create(outputFolder, inputs);
        try
        {
            // A failure to write the copy (disk full) is the output's failure, named as a merge's would be.
            if (Output.WriteFailures.Run(outputFolder, () => cache.TryCopyTo(key, folder.Temporary, cancellation)) is not { } names)
            {
                folder.Abandon();
                return false;
            }
            beforeCommit(folder.Temporary, names);
            folder.Commit(outputFolder);
            return true;
        }
        catch
        {
            folder.Abandon();
            throw;
        }
    }
}

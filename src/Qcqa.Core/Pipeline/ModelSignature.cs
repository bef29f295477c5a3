using Qcqa.Core.Cache;

namespace Qcqa.Core.Pipeline;

/// <summary>
/// A cheap signature of a model folder's files (names, sizes, modification times): it decides whether a variant's
/// output is current without re-reading gigabytes. Content hashes key the caches instead, where a miss is costly.
/// </summary>
internal static class ModelSignature
{
    /// <summary>The model's top-level files, as the merger reads and copies them.</summary>
    internal static IReadOnlyList<string> Files(string folder)
        => Directory.EnumerateFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();

    internal static string Compute(string folder)
    {
        var builder = new CacheKeyBuilder("model");
        foreach (var file in Files(folder))
        {
            var info = new FileInfo(file);
            builder.Add(info.Name).Add(info.Length).Add(info.LastWriteTimeUtc.Ticks);
        }
        return builder.Build().Hash;
    }
}

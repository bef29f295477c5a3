using System.Globalization;
using System.Text;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Names of the incremental-build state under the intermediate folder: a dependency file per spec, and a stamp and a
/// settings file per build state. Every name carries a hash of what decides the outputs — the spec(s), the output
/// folder and the cache folder — so two builds of one project that differ in any of them (say, two values of
/// QcqaOutputPath built in turn) keep separate state and each stays a no-op.
/// </summary>
internal static class DependencyFileNames
{
    /// <summary>The extension of dependency files.</summary>
    internal const string DependencyExtension = ".deps";

    /// <summary>The extension of the targets' stamp files.</summary>
    internal const string StampExtension = ".stamp";

    /// <summary>The extension of the targets' settings files.</summary>
    internal const string SettingsExtension = ".settings";

    /// <summary>
    /// <c>&lt;folder&gt;/&lt;spec name&gt;.&lt;8 hex digits&gt;.deps</c>: readable, and distinct for two specs with the same
    /// file name in different folders, and for one spec built into different output or cache folders (the digits hash
    /// the spec's full path and both folders; without folders, the spec's path alone).
    /// </summary>
    internal static string For(string specFullPath, string intermediateDirectory, string outputPath = "", string cachePath = "")
    {
        var identity = outputPath.Length == 0 && cachePath.Length == 0 ? specFullPath : $"{specFullPath}\n{outputPath}\n{cachePath}";
        return Path.Combine(intermediateDirectory, $"{Path.GetFileNameWithoutExtension(specFullPath)}.{Hex(identity)}{DependencyExtension}");
    }

    /// <summary><c>&lt;folder&gt;/qcqa.&lt;8 hex digits&gt;.stamp</c>, keyed by the specs (in any order) and both folders.</summary>
    internal static string StampFor(IEnumerable<string> specFullPaths, string intermediateDirectory, string outputPath, string cachePath)
        => Path.Combine(intermediateDirectory, $"qcqa.{StateKey(specFullPaths, outputPath, cachePath)}{StampExtension}");

    /// <summary><c>&lt;folder&gt;/qcqa.&lt;8 hex digits&gt;.settings</c>, with the key of <see cref="StampFor"/>.</summary>
    internal static string SettingsFor(IEnumerable<string> specFullPaths, string intermediateDirectory, string outputPath, string cachePath)
        => Path.Combine(intermediateDirectory, $"qcqa.{StateKey(specFullPaths, outputPath, cachePath)}{SettingsExtension}");

    /// <summary>Whether <paramref name="fileName"/> is one of the state files named here.</summary>
    internal static bool IsStateFile(string fileName)
        => fileName.EndsWith(DependencyExtension, StringComparison.Ordinal)
           || fileName.StartsWith("qcqa.", StringComparison.Ordinal)
              && (fileName.EndsWith(StampExtension, StringComparison.Ordinal) || fileName.EndsWith(SettingsExtension, StringComparison.Ordinal));

    private static string StateKey(IEnumerable<string> specFullPaths, string outputPath, string cachePath)
        => Hex(string.Join("\n", specFullPaths.Order(StringComparer.Ordinal)) + $"\noutput={outputPath}\ncache={cachePath}");

    private static string Hex(string text) => StableHash(text).ToString("x8", CultureInfo.InvariantCulture);

    // FNV-1a over UTF-8: string.GetHashCode is randomised per process, and this must not change between builds.
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash;
    }
}

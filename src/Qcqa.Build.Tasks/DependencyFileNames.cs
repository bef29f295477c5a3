using System.Globalization;
using System.Text;

namespace Qcqa.Build.Tasks;

/// <summary>Where the dependency file of each spec lives under the intermediate folder.</summary>
internal static class DependencyFileNames
{
    /// <summary>
    /// <c>&lt;folder&gt;/&lt;spec name&gt;.&lt;8 hex digits&gt;.deps</c>: readable, and distinct for two specs with the same
    /// file name in different folders (the digits hash the spec's full path).
    /// </summary>
    internal static string For(string specFullPath, string intermediateDirectory)
        => Path.Combine(intermediateDirectory,
            $"{Path.GetFileNameWithoutExtension(specFullPath)}.{StableHash(specFullPath).ToString("x8", CultureInfo.InvariantCulture)}.deps");

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

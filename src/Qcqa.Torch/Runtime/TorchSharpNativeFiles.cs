using System.Reflection;
using System.Runtime.InteropServices;

namespace Qcqa.Torch.Runtime;

/// <summary>
/// Finds TorchSharp's native files the way the .NET host would: first the native search directories the host
/// computed from the app's <c>.deps.json</c> (this covers <c>bin/</c>, <c>runtimes/&lt;rid&gt;/native/</c> and
/// <c>--additionalprobingpath</c> package folders), then next to <c>TorchSharp.dll</c>, then the NuGet global
/// packages folder.
/// </summary>
internal static class TorchSharpNativeFiles
{
    /// <summary>File name of TorchSharp's native shim on Linux.</summary>
    public const string LibTorchSharpFileName = "libLibTorchSharp.so";

    /// <summary>Directories to probe, most specific first, without duplicates.</summary>
    public static IReadOnlyList<string> SearchDirectories()
    {
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string native)
            dirs.AddRange(native.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));

        // Reading Assembly does not run torch's static constructor, which is what loads the native library.
        var assembly = typeof(TorchSharp.torch).Assembly;
        var assemblyDir = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir))
        {
            dirs.Add(assemblyDir);
            dirs.Add(Path.Combine(assemblyDir, "runtimes", Rid, "native"));
        }

        var version = PackageVersion(assembly);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (!string.IsNullOrEmpty(home)) packages = Path.Combine(home, ".nuget", "packages");
        }
        if (version is not null && !string.IsNullOrEmpty(packages))
            dirs.Add(Path.Combine(packages, "torchsharp", version, "runtimes", Rid, "native"));

        return dirs.Select(d => Path.GetFullPath(d)).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The first existing file called <paramref name="fileName"/> in <see cref="SearchDirectories"/>, or null.</summary>
    public static string? Find(string fileName) =>
        SearchDirectories().Select(d => Path.Combine(d, fileName)).FirstOrDefault(File.Exists);

    private static string Rid => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm64 => "linux-arm64",
        _ => "linux-x64",
    };

    private static string? PackageVersion(Assembly assembly)
    {
        // The informational version is the package version, possibly followed by +<commit>.
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational?.Split('+')[0];
    }
}

using System.Reflection;

namespace Qcqa.Tests.Shared;

/// <summary>
/// The repository the tests were built from (the folder holding <c>QcqaBuild.sln</c>, found by walking up from the
/// test binaries) and the fresh builds the tests drive: src/Qcqa.Cli's output (the engine) and src/Qcqa.Build.Tasks'
/// output, in the configuration the tests themselves were built in.
/// </summary>
public static class RepositoryLayout
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding QcqaBuild.sln.</summary>
    /// <exception cref="InvalidOperationException">No folder above the test binaries holds QcqaBuild.sln.</exception>
    public static string Root => LazyRoot.Value;

    /// <summary>The configuration the tests were built in (Debug or Release; tests/Directory.Build.props records it).</summary>
    public static string Configuration { get; } =
        typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "QcqaConfiguration")?.Value ?? "Debug";

    /// <summary>build/ (QcqaBuild.props and QcqaBuild.targets).</summary>
    public static string BuildFolder => Combine("build");

    /// <summary>The engine, <c>dotnet-qcqa.dll</c>, in src/Qcqa.Cli's output.</summary>
    public static string EnginePath => Combine("src", "Qcqa.Cli", "bin", Configuration, "net10.0", "dotnet-qcqa.dll");

    /// <summary>The task assembly in src/Qcqa.Build.Tasks' output.</summary>
    public static string TasksAssembly => Combine("src", "Qcqa.Build.Tasks", "bin", Configuration, "net10.0", "Qcqa.Build.Tasks.dll");

    /// <summary>A path under the repository root.</summary>
    /// <param name="parts">Names of the folders and the file below <see cref="Root"/>.</param>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var start = AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "QcqaBuild.sln"))) return dir.FullName;
        throw new InvalidOperationException("QcqaBuild.sln not found above " + start);
    }
}

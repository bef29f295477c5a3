namespace Qcqa.Tests.Shared;

/// <summary>The repository the tests were built from: the folder holding <c>QcqaBuild.sln</c>, found by walking up from the test binaries.</summary>
internal static class RepositoryLayout
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding QcqaBuild.sln.</summary>
    /// <exception cref="InvalidOperationException">No folder above the test binaries holds QcqaBuild.sln.</exception>
    public static string Root => LazyRoot.Value;

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

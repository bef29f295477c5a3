using Qcqa.Core.Spec;
using Qcqa.Core.Tests.Cache;

namespace Qcqa.Core.Tests.Spec;

/// <summary>A temporary project folder with model folders, where spec text is written and read back.</summary>
public sealed class SpecFixture : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public SpecFixture(params string[] modelFolders)
    {
        foreach (var model in modelFolders.Length == 0 ? ["models/tiny-llama"] : modelFolders)
            Directory.CreateDirectory(_folder.Combine(model));
    }

    public string Root => _folder.Path;

    public string SpecPath => _folder.Combine("qcqa.yaml");

    public SpecReadResult Read(string yaml, SpecReaderOptions? options = null)
    {
        File.WriteAllText(SpecPath, yaml);
        return SpecReader.Read(SpecPath, options);
    }

    public QcqaSpec Load(string yaml) => Read(yaml).GetSpecOrThrow();

    public void Dispose() => _folder.Dispose();

    /// <summary>The repository's root, found by walking up from the test binaries to QcqaBuild.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "QcqaBuild.sln"))) return dir.FullName;
            throw new InvalidOperationException("QcqaBuild.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string ExamplesFolder => Path.Combine(RepositoryRoot, "tests", "Qcqa.Core.Tests", "Spec", "Examples");
}

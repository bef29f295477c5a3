using Qcqa.Core.Spec;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Spec;

/// <summary>A temporary project folder with model folders, where spec text is written and read back.</summary>
public sealed class SpecFixture : IDisposable
{
    private readonly TempFolder _folder = new();

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

    public static string ExamplesFolder => RepositoryLayout.Combine("tests", "Qcqa.Core.Tests", "Spec", "Examples");
}

using System.Text.Json;

namespace Qcqa.Torch.Tests.ReferenceModel;

/// <summary>
/// The shipped reference model <c>samples/ReferenceModel/tiny-llama-kjv</c> and the numbers recorded with it in
/// <c>reference-metrics.json</c>, found by walking up from the test binaries to <c>QcqaBuild.sln</c>.
/// </summary>
internal static class ShippedReferenceModel
{
    private static readonly Lazy<string> FolderPath = new(() => System.IO.Path.Combine(RepositoryRoot(), "samples", "ReferenceModel", "tiny-llama-kjv"));

    /// <summary>The model folder (config.json, model.safetensors, heldout.txt, reference-metrics.json).</summary>
    public static string Folder => FolderPath.Value;

    /// <summary>The held-out text.</summary>
    public static string HeldOutPath => System.IO.Path.Combine(Folder, "heldout.txt");

    /// <summary>Reads <c>reference-metrics.json</c>; the caller disposes the document.</summary>
    public static JsonDocument ReadMetrics() => JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(Folder, "reference-metrics.json")));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "QcqaBuild.sln"))) return dir.FullName;
        throw new InvalidOperationException("QcqaBuild.sln not found above " + AppContext.BaseDirectory);
    }
}

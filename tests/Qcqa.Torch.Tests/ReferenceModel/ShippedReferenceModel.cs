using System.Text.Json;
using Qcqa.Tests.Shared;

namespace Qcqa.Torch.Tests.ReferenceModel;

/// <summary>
/// The shipped reference model <c>samples/ReferenceModel/tiny-llama-kjv</c> and the numbers recorded with it in
/// <c>reference-metrics.json</c>, under the repository root.
/// </summary>
internal static class ShippedReferenceModel
{
    /// <summary>The model folder (config.json, model.safetensors, heldout.txt, reference-metrics.json).</summary>
    public static string Folder => RepositoryLayout.Combine("samples", "ReferenceModel", "tiny-llama-kjv");

    /// <summary>The held-out text.</summary>
    public static string HeldOutPath => Path.Combine(Folder, "heldout.txt");

    /// <summary>Reads <c>reference-metrics.json</c>; the caller disposes the document.</summary>
    public static JsonDocument ReadMetrics() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "reference-metrics.json")));
}

namespace Qcqa.Core.Inspection;

/// <summary>What <c>dotnet qcqa inspect</c> reports about a checkpoint.</summary>
/// <param name="Folder">The model folder.</param>
/// <param name="ModelType">config.json's <c>model_type</c>, if any.</param>
/// <param name="Family">The tensor layout QcqaBuild reads the model with (<c>llama</c>, <c>phi3</c>, <c>gpt_neox</c>).</param>
/// <param name="FamilyDescription">One line describing that layout.</param>
/// <param name="Layers">Number of layers.</param>
/// <param name="QueryHeads">Query heads per layer.</param>
/// <param name="KvHeads">KV heads per layer as the config declares (per-layer values are in <paramref name="PerLayer"/>).</param>
/// <param name="HeadDim">Head size.</param>
/// <param name="HiddenSize">Model width.</param>
/// <param name="AttentionDtype">Dtype of the K/V projections.</param>
/// <param name="ParameterCount">Elements over all tensors.</param>
/// <param name="KvCacheBytesPerToken">K and V cache bytes per token over all layers, in the attention dtype.</param>
/// <param name="PerLayer">Per-layer details.</param>
public sealed record ModelInspection(
    string Folder,
    string? ModelType,
    string Family,
    string FamilyDescription,
    int Layers,
    int QueryHeads,
    int KvHeads,
    int HeadDim,
    int HiddenSize,
    string AttentionDtype,
    long ParameterCount,
    long KvCacheBytesPerToken,
    IReadOnlyList<LayerInspection> PerLayer);

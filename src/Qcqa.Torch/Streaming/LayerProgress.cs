namespace Qcqa.Torch.Streaming;

/// <summary>Progress of a layer-streamed pass.</summary>
/// <param name="LayersDone">Layers every batch has been through.</param>
/// <param name="Layers">Layers in the model.</param>
public sealed record LayerProgress(int LayersDone, int Layers);

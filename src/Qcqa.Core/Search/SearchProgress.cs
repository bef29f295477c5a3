namespace Qcqa.Core.Search;

/// <summary>Progress of a whole-model search, reported once per finished layer.</summary>
/// <param name="LayersDone">Layers whose front is complete.</param>
/// <param name="LayerCount">Layers in the model.</param>
public readonly record struct SearchProgress(int LayersDone, int LayerCount);

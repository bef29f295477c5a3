using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Allocation;

/// <summary>A layer index written in a budget (an item of <c>keep_mha</c>), with its position.</summary>
/// <param name="Layer">0-based layer index.</param>
/// <param name="Location">Where the index was written.</param>
public sealed record LayerReference(int Layer, SourceLocation Location = default);

using Qcqa.Core.Diagnostics;
namespace Qcqa.Core.Spec;

/// <summary>A layer index written in the spec (an item of <c>keep_mha</c>), with its position.</summary>
/// <param name="Layer">0-based layer index.</param>
/// <param name="Location">Where the index was written.</param>
public sealed record LayerReference(int Layer, SourceLocation Location = default);

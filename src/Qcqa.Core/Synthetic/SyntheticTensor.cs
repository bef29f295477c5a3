using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Synthetic;

/// <summary>A tensor of a synthetic checkpoint: what to declare and how to fill it.</summary>
/// <param name="Declaration">Name, dtype and shape.</param>
/// <param name="Kind">How the values are drawn.</param>
/// <param name="Layer">The layer, for <see cref="SyntheticTensorKind.ClusteredHeads"/>; otherwise unused.</param>
internal sealed record SyntheticTensor(TensorDeclaration Declaration, SyntheticTensorKind Kind, int Layer = -1);

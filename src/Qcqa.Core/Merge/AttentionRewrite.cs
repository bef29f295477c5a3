using Qcqa.Core.Checkpoints;
using Qcqa.Core.Families;

namespace Qcqa.Core.Merge;

/// <summary>
/// How the merge writes one stored tensor of a layer's attention: a Q/K/V tensor is rebuilt block by block in the
/// output layout the family describes for the output map (<see cref="Output"/>); the output projection has its column
/// blocks reordered by π. Every other tensor of the checkpoint is copied byte for byte.
/// </summary>
/// <param name="Plan">The layer's plan (π, the grouping, the output map).</param>
/// <param name="Input">The layer's input attention tensors, where every block is read from.</param>
/// <param name="Output">The tensor's head blocks in the output, or null for the output projection.</param>
internal sealed record AttentionRewrite(LayerMergePlan Plan, AttentionTensors Input, StoredProjection? Output)
{
    /// <summary>The input rows of <paramref name="part"/> (weight or bias).</summary>
    internal ProjectionRows Rows(QkvPart part, bool bias) => (part, bias) switch
    {
        (QkvPart.Query, false) => Input.Query,
        (QkvPart.Key, false) => Input.Key,
        (QkvPart.Value, false) => Input.Value,
        (QkvPart.Query, true) => Input.QueryBias,
        (QkvPart.Key, true) => Input.KeyBias,
        (QkvPart.Value, true) => Input.ValueBias,
        _ => null,
    } ?? throw new InvalidOperationException($"Layer {Input.Layer} has no {part} {(bias ? "bias" : "weight")} to write.");
}

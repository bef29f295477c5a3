namespace Qcqa.Core.Checkpoints;

/// <summary>
/// The attention projections of one layer, validated against the config: Q [H·d, D], K and V [G·d, D],
/// O [D, H·d], optional biases [H·d] / [G·d] (G: the layer's KV heads).
/// </summary>
/// <param name="Layer">The layer index.</param>
/// <param name="Query"><c>q_proj.weight</c>.</param>
/// <param name="Key"><c>k_proj.weight</c>.</param>
/// <param name="Value"><c>v_proj.weight</c>.</param>
/// <param name="Output"><c>o_proj.weight</c>.</param>
/// <param name="QueryBias"><c>q_proj.bias</c>, or null.</param>
/// <param name="KeyBias"><c>k_proj.bias</c>, or null.</param>
/// <param name="ValueBias"><c>v_proj.bias</c>, or null.</param>
public sealed record AttentionTensors(
    int Layer,
    CheckpointTensor Query,
    CheckpointTensor Key,
    CheckpointTensor Value,
    CheckpointTensor Output,
    CheckpointTensor? QueryBias,
    CheckpointTensor? KeyBias,
    CheckpointTensor? ValueBias);

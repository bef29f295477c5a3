namespace Qcqa.Core.Checkpoints;

/// <summary>
/// The attention projections of one layer, located by the model's family and validated against the config: Q
/// [H·d, D], K and V [G·d, D], O [D, H·d], optional biases [H·d] / [G·d] (G: the layer's KV heads). Q, K and V
/// may be rows of one fused tensor (Phi-3's <c>qkv_proj</c>, GPT-NeoX's <c>query_key_value</c>); each is presented
/// as its own projection, head after head.
/// </summary>
/// <param name="Layer">The layer index.</param>
/// <param name="Query">The query rows (<c>q_proj.weight</c> for Llama).</param>
/// <param name="Key">The key rows, one block per KV head.</param>
/// <param name="Value">The value rows, one block per KV head.</param>
/// <param name="Output">The output projection (<c>o_proj.weight</c>, GPT-NeoX's <c>attention.dense.weight</c>).</param>
/// <param name="QueryBias">The query bias, or null.</param>
/// <param name="KeyBias">The key bias, or null.</param>
/// <param name="ValueBias">The value bias, or null.</param>
public sealed record AttentionTensors(
    int Layer,
    ProjectionRows Query,
    ProjectionRows Key,
    ProjectionRows Value,
    CheckpointTensor Output,
    ProjectionRows? QueryBias,
    ProjectionRows? KeyBias,
    ProjectionRows? ValueBias)
{
    /// <summary>
    /// The distinct stored tensors of the layer's attention (a fused tensor once), each with the roles it holds,
    /// e.g. ("…qkv_proj.weight", "query/key/value projection").
    /// </summary>
    public IReadOnlyList<(CheckpointTensor Tensor, string Role)> StoredTensors()
    {
        var parts = new (CheckpointTensor? Tensor, string Role)[]
        {
            (Query.Tensor, "query"), (Key.Tensor, "key"), (Value.Tensor, "value"), (Output, "output"),
            (QueryBias?.Tensor, "query bias"), (KeyBias?.Tensor, "key bias"), (ValueBias?.Tensor, "value bias"),
        };
        return parts.Where(p => p.Tensor is not null)
            .GroupBy(p => p.Tensor!.Name, StringComparer.Ordinal)
            .Select(g => (g.First().Tensor!, Describe(g.Select(p => p.Role).ToArray())))
            .ToArray();
    }

    // "key projection", "query/key/value projection", "query/key/value bias".
    private static string Describe(string[] roles)
    {
        var bias = roles[0].EndsWith(" bias", StringComparison.Ordinal);
        var names = roles.Select(r => bias ? r[..^" bias".Length] : r);
        return string.Join("/", names) + (bias ? " bias" : " projection");
    }
}

namespace Qcqa.Core.Families;

/// <summary>
/// A stored tensor that holds query, key or value rows of one layer, described as the head blocks it consists of,
/// in row order. A Llama <c>k_proj.weight</c> is [K₀, K₁, …]; Phi-3's <c>qkv_proj.weight</c> is [Q₀…Q_{H−1}, K₀…K_{G−1},
/// V₀…V_{G−1}]; GPT-NeoX's <c>query_key_value.weight</c> is [Q₀, K₀, V₀, Q₁, K₁, V₁, …].
/// </summary>
/// <param name="Name">The tensor's name in the checkpoint.</param>
/// <param name="IsBias">True for a bias ([rows]); false for a weight ([rows, D]).</param>
/// <param name="Blocks">The blocks in row order; a KV head may appear more than once (a copy per query head).</param>
public sealed record StoredProjection(string Name, bool IsBias, IReadOnlyList<HeadBlock> Blocks);

namespace Qcqa.Core.Allocation;

/// <summary>A <see cref="KvBudget"/> made concrete for one model: what each layer may keep and the global capacity.</summary>
/// <param name="Capacity">Most KV heads the whole model may keep (Σ H_l when there is no global bound).</param>
/// <param name="GlobalText">How the capacity came about, for messages, e.g. <c>floor(0.25 × 1024) = 256</c>.</param>
/// <param name="Caps">Per layer: the most KV heads it may keep (after rounding and snapping to an allowed G).</param>
/// <param name="Pinned">Per layer: true when it must stay multi-head attention.</param>
internal sealed record ResolvedBudget(int Capacity, string GlobalText, int[] Caps, bool[] Pinned);

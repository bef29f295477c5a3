using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Merge;

/// <summary>How one layer is rewritten: which input KV heads are pooled, and how query heads are reordered.</summary>
/// <param name="Layer">The layer index.</param>
/// <param name="Grouping">The partition of the layer's input KV heads (units); group g becomes output KV head g.</param>
/// <param name="QueryOrder">Output query head p is input query head QueryOrder[p] (the permutation π).</param>
/// <param name="OutputMap">The output's KV head count and query → KV map (in output query order).</param>
internal sealed record LayerMergePlan(int Layer, LayerGrouping Grouping, int[] QueryOrder, QcqaLayerMap OutputMap)
{
    /// <summary>True when π is not the identity, so q_proj rows and o_proj columns move.</summary>
    public bool PermutesQueries { get; } = QueryOrder.Where((old, position) => old != position).Any();

    /// <summary>True when every group is a single head in input order, so K and V are copied unchanged.</summary>
    public bool KeepsKeyValues => Grouping.IsIdentity;
}

using Qcqa.Core.Checkpoints;

namespace Qcqa.Torch.Loading;

/// <summary>
/// The merged K/V heads of one tensor, computed in memory exactly as <c>CheckpointMerger</c> writes them: each
/// group's heads summed in float64 in ascending head order, divided once by the group size, rounded once to the
/// tensor's stored dtype (round to nearest, ties to even), then widened to float32. A single-head group keeps its
/// head unchanged.
/// </summary>
internal static class MergedKeyValues
{
    /// <summary>Pools the heads of <paramref name="tensor"/>.</summary>
    /// <param name="tensor">A K or V weight [units·d, D] or bias [units·d] (rows of a fused tensor for Phi-3 and GPT-NeoX).</param>
    /// <param name="groups">The groups of units, in output order; each ascending.</param>
    /// <returns>[groups·d, D] (or [groups·d]) values, row-major.</returns>
    public static float[] Pool(ProjectionRows tensor, IReadOnlyList<IReadOnlyList<int>> groups)
    {
        var headLength = checked((int)tensor.HeadElements);
        var result = new float[checked(groups.Count * headLength)];
        var sum = new double[headLength];
        var next = new double[headLength];
        var stored = new byte[headLength * tensor.Dtype.Size()];
        for (var g = 0; g < groups.Count; g++)
        {
            var group = groups[g];
            var destination = result.AsSpan(g * headLength, headLength);
            if (group.Count == 1)
            {
                tensor.ReadHeadSingles(group[0], 0, destination);
                continue;
            }
            tensor.ReadHeadDoubles(group[0], 0, sum);
            for (var i = 1; i < group.Count; i++)
            {
                tensor.ReadHeadDoubles(group[i], 0, next);
                for (var j = 0; j < sum.Length; j++) sum[j] += next[j];
            }
            for (var j = 0; j < sum.Length; j++) sum[j] /= group.Count;
            // Through the stored dtype: a BF16 checkpoint holds the mean rounded to BF16, not to float32.
            DtypeConversion.FromDouble(sum, tensor.Dtype, stored);
            DtypeConversion.ToSingle(tensor.Dtype, stored, destination);
        }
        return result;
    }
}

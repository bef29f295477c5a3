using System.Buffers;
using System.Numerics;
using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Merge;

/// <summary>
/// Produces one output tensor of a merge, streaming: permuted blocks are copied straight from the input mapping,
/// merged heads are pooled in float64 over bounded slices and converted once to the tensor's dtype.
/// </summary>
internal static class TensorRewriter
{
    private const int SliceElements = 1 << 16;
    private const int RowBufferBytes = 4 << 20;

    /// <summary>The output declaration of an input tensor: K/V tensors shrink to the layer's G heads.</summary>
    internal static TensorDeclaration Declare(TensorInfo input, AttentionRole? role, LayerMergePlan? plan)
    {
        if (role is not (AttentionRole.KeyWeight or AttentionRole.KeyBias or AttentionRole.ValueWeight or AttentionRole.ValueBias))
            return TensorDeclaration.Of(input);
        var units = plan!.Grouping.HeadCount;
        var shape = input.Shape.ToArray();
        shape[0] = shape[0] / units * plan.Grouping.GroupCount;
        return new TensorDeclaration(input.Name, input.Dtype, shape);
    }

    /// <summary>Writes the output data of <paramref name="input"/> as the writer's current tensor.</summary>
    /// <param name="writer">The output file, positioned at this tensor.</param>
    /// <param name="input">The input tensor.</param>
    /// <param name="role">Its attention role, or null for a tensor the merge copies.</param>
    /// <param name="plan">Its layer's plan, or null.</param>
    /// <param name="replacement">The aligned merge's values for it (in merge order), or null to permute/pool the input.</param>
    internal static void Write(SafetensorsWriter writer, CheckpointTensor input, AttentionRole? role, LayerMergePlan? plan, double[]? replacement)
    {
        if (replacement is not null)
        {
            WriteReplacement(writer, input, role!.Value, plan!, replacement);
            return;
        }
        switch (role)
        {
            case AttentionRole.QueryWeight or AttentionRole.QueryBias when plan!.PermutesQueries:
                PermuteRowBlocks(writer, input, plan.QueryOrder);
                break;
            case AttentionRole.OutputWeight when plan!.PermutesQueries:
                PermuteColumnBlocks(writer, input, plan.QueryOrder);
                break;
            case AttentionRole.KeyWeight or AttentionRole.KeyBias or AttentionRole.ValueWeight or AttentionRole.ValueBias when !plan!.KeepsKeyValues:
                PoolHeads(writer, input, plan.Grouping.Groups, plan.Grouping.HeadCount);
                break;
            default:
                writer.CopyTensor(input.File, input.Info);
                break;
        }
    }

    // The aligned merge's values: K/V (and biases) are already one head per group in group order; q rows and o columns
    // are in input query order and move by π exactly as the input's would.
    private static void WriteReplacement(SafetensorsWriter writer, CheckpointTensor input, AttentionRole role, LayerMergePlan plan, double[] values)
    {
        var expected = role is AttentionRole.KeyWeight or AttentionRole.KeyBias or AttentionRole.ValueWeight or AttentionRole.ValueBias
            ? input.Info.ElementCount / plan.Grouping.HeadCount * plan.Grouping.GroupCount
            : input.Info.ElementCount;
        if (values.LongLength != expected)
            throw new InvalidOperationException($"The merged values of '{input.Name}' have {values.LongLength} elements; expected {expected}.");
        var order = plan.QueryOrder;
        switch (role)
        {
            case AttentionRole.QueryWeight or AttentionRole.QueryBias when plan.PermutesQueries:
                var block = values.Length / order.Length;
                foreach (var source in order) writer.WriteDoubles(values.AsSpan(source * block, block));
                break;
            case AttentionRole.OutputWeight when plan.PermutesQueries:
                var rows = (int)input.Shape[0];
                var width = values.Length / rows;
                var columns = width / order.Length;
                var row = new double[width];
                for (var r = 0; r < rows; r++)
                {
                    var source = values.AsSpan(r * width, width);
                    for (var p = 0; p < order.Length; p++) source.Slice(order[p] * columns, columns).CopyTo(row.AsSpan(p * columns, columns));
                    writer.WriteDoubles(row);
                }
                break;
            default:
                writer.WriteDoubles(values);
                break;
        }
    }

    // Output block p (of H equal blocks along the first axis) is input block order[p].
    private static void PermuteRowBlocks(SafetensorsWriter writer, CheckpointTensor input, int[] order)
    {
        var blockBytes = input.Info.ByteLength / order.Length;
        foreach (var source in order) writer.CopyRange(input.File, input.Info, source * blockBytes, blockBytes);
    }

    // o_proj is [D, H·d]: in every row, output column block p is input column block order[p]. Rows are gathered
    // into a buffer of a few MB and written together.
    private static void PermuteColumnBlocks(SafetensorsWriter writer, CheckpointTensor input, int[] order)
    {
        var rows = input.Shape[0];
        var rowBytes = (int)(input.Info.ByteLength / Math.Max(1, rows));
        var blockBytes = rowBytes / order.Length;
        var rowsPerBatch = (int)Math.Clamp(RowBufferBytes / Math.Max(1, rowBytes), 1, Math.Max(1, rows));
        var buffer = ArrayPool<byte>.Shared.Rent(rowsPerBatch * rowBytes);
        try
        {
            for (long first = 0; first < rows; first += rowsPerBatch)
            {
                var count = (int)Math.Min(rowsPerBatch, rows - first);
                var source = input.File.GetBytes(input.Info, first * rowBytes, count * rowBytes);
                for (var r = 0; r < count; r++)
                {
                    var row = source.Slice(r * rowBytes, rowBytes);
                    var target = buffer.AsSpan(r * rowBytes, rowBytes);
                    for (var p = 0; p < order.Length; p++)
                        row.Slice(order[p] * blockBytes, blockBytes).CopyTo(target.Slice(p * blockBytes, blockBytes));
                }
                writer.WriteBytes(buffer.AsSpan(0, count * rowBytes));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Output head g = mean of the input heads of group g, summed in float64 in ascending head order, then divided
    // once; a single-head group is copied as bytes (the mean of one value is the value).
    private static void PoolHeads(SafetensorsWriter writer, CheckpointTensor input, IReadOnlyList<IReadOnlyList<int>> groups, int units)
    {
        var headLength = input.Info.ElementCount / units;
        var headBytes = input.Info.ByteLength / units;
        var slice = (int)Math.Min(SliceElements, headLength);
        var sum = ArrayPool<double>.Shared.Rent(slice);
        var values = ArrayPool<double>.Shared.Rent(slice);
        try
        {
            foreach (var group in groups)
            {
                if (group.Count == 1)
                {
                    writer.CopyRange(input.File, input.Info, group[0] * headBytes, headBytes);
                    continue;
                }
                for (long start = 0; start < headLength; start += slice)
                {
                    var length = (int)Math.Min(slice, headLength - start);
                    var total = sum.AsSpan(0, length);
                    var next = values.AsSpan(0, length);
                    input.ReadDoubles(group[0] * headLength + start, total);
                    for (var i = 1; i < group.Count; i++)
                    {
                        input.ReadDoubles(group[i] * headLength + start, next);
                        Add(total, next);
                    }
                    Divide(total, group.Count);
                    writer.WriteDoubles(total);
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sum);
            ArrayPool<double>.Shared.Return(values);
        }
    }

    private static void Add(Span<double> total, ReadOnlySpan<double> values)
    {
        var i = 0;
        for (; i <= total.Length - Vector<double>.Count; i += Vector<double>.Count)
            (new Vector<double>(total.Slice(i)) + new Vector<double>(values.Slice(i))).CopyTo(total.Slice(i));
        for (; i < total.Length; i++) total[i] += values[i];
    }

    private static void Divide(Span<double> total, int count)
    {
        var divisor = new Vector<double>(count);
        var i = 0;
        for (; i <= total.Length - Vector<double>.Count; i += Vector<double>.Count)
            (new Vector<double>(total.Slice(i)) / divisor).CopyTo(total.Slice(i));
        for (; i < total.Length; i++) total[i] /= count;
    }
}

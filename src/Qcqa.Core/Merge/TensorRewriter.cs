using System.Buffers;
using System.Numerics;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Families;

namespace Qcqa.Core.Merge;

/// <summary>
/// Produces one output tensor of a merge, streaming: a Q/K/V tensor is written block by block in the family's output
/// layout — query blocks copied straight from the input mapping in π order, each merged K/V head pooled in float64
/// over bounded slices and converted once to the tensor's dtype — and the output projection's column blocks follow π.
/// </summary>
internal static class TensorRewriter
{
    private const int SliceElements = 1 << 16;
    private const int RowBufferBytes = 4 << 20;

    /// <summary>The output declaration of an input tensor: a Q/K/V tensor has one block of d rows per output block.</summary>
    internal static TensorDeclaration Declare(TensorInfo input, AttentionRewrite rewrite)
    {
        if (rewrite.Output is not { } output) return TensorDeclaration.Of(input);
        var rows = (long)output.Blocks.Count * rewrite.Rows(output.Blocks[0].Part, output.IsBias).RowsPerHead;
        return new TensorDeclaration(input.Name, input.Dtype, output.IsBias ? [rows] : [rows, input.Shape[1]]);
    }

    /// <summary>Writes the output data of <paramref name="input"/> as the writer's current tensor.</summary>
    /// <param name="writer">The output file, positioned at this tensor.</param>
    /// <param name="input">The input tensor.</param>
    /// <param name="rewrite">How the tensor is written.</param>
    /// <param name="replacement">The aligned merge's projections of the layer, or null to permute/pool the input.</param>
    internal static void Write(SafetensorsWriter writer, CheckpointTensor input, AttentionRewrite rewrite, MergedProjections? replacement)
    {
        var plan = rewrite.Plan;
        if (rewrite.Output is null)
        {
            if (replacement is not null) WriteOutputReplacement(writer, input, plan, replacement.Output);
            else if (plan.PermutesQueries) PermuteColumnBlocks(writer, input, plan.QueryOrder);
            else writer.CopyTensor(input.File, input.Info);
            return;
        }

        var output = rewrite.Output;
        foreach (var block in output.Blocks)
        {
            var rows = rewrite.Rows(block.Part, output.IsBias);
            var values = replacement?.Rows(block.Part, output.IsBias);
            // Query block p is input query head π(p); key/value block g is the layer grouping's group g.
            var head = block.Part == QkvPart.Query ? plan.QueryOrder[block.Head] : block.Head;
            if (values is not null)
                WriteReplacementBlock(writer, rows, values, head);
            else if (block.Part == QkvPart.Query)
                writer.CopyRange(rows.Tensor.File, rows.Tensor.Info, rows.HeadByteOffset(head), rows.HeadByteLength);
            else
                PoolHeads(writer, rows, plan.Grouping.Groups[head]);
        }
    }

    // The aligned merge's values hold the query heads in input order and the merged K/V heads in group order, each
    // block of the same size as the input's.
    private static void WriteReplacementBlock(SafetensorsWriter writer, ProjectionRows rows, double[] values, int head)
    {
        var length = rows.HeadElements;
        if ((head + 1) * length > values.LongLength)
            throw new InvalidOperationException($"The merged values for '{rows.Name}' have {values.LongLength} elements; block {head} needs {(head + 1) * length}.");
        writer.WriteDoubles(values.AsSpan((int)(head * length), (int)length));
    }

    // The aligned merge's o_proj is in input query order; its column blocks move by π exactly as the input's would.
    private static void WriteOutputReplacement(SafetensorsWriter writer, CheckpointTensor input, LayerMergePlan plan, double[] values)
    {
        if (values.LongLength != input.Info.ElementCount)
            throw new InvalidOperationException($"The merged values of '{input.Name}' have {values.LongLength} elements; expected {input.Info.ElementCount}.");
        if (!plan.PermutesQueries)
        {
            writer.WriteDoubles(values);
            return;
        }
        var order = plan.QueryOrder;
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

    // The merged head of a group = mean of its input heads, summed in float64 in ascending head order, then divided
    // once; a single-head group is copied as bytes (the mean of one value is the value).
    private static void PoolHeads(SafetensorsWriter writer, ProjectionRows rows, IReadOnlyList<int> group)
    {
        if (group.Count == 1)
        {
            writer.CopyRange(rows.Tensor.File, rows.Tensor.Info, rows.HeadByteOffset(group[0]), rows.HeadByteLength);
            return;
        }
        var headLength = rows.HeadElements;
        var slice = (int)Math.Min(SliceElements, headLength);
        var sum = ArrayPool<double>.Shared.Rent(slice);
        var values = ArrayPool<double>.Shared.Rent(slice);
        try
        {
            for (long start = 0; start < headLength; start += slice)
            {
                var length = (int)Math.Min(slice, headLength - start);
                var total = sum.AsSpan(0, length);
                var next = values.AsSpan(0, length);
                rows.ReadHeadDoubles(group[0], start, total);
                for (var i = 1; i < group.Count; i++)
                {
                    rows.ReadHeadDoubles(group[i], start, next);
                    Add(total, next);
                }
                Divide(total, group.Count);
                writer.WriteDoubles(total);
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

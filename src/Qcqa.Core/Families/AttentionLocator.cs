using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Families;

/// <summary>
/// Finds a layer's attention tensors from the family's description (<see cref="IModelFamily.QkvTensors"/>): checks
/// each stored tensor against the shape the config implies and turns its head blocks into
/// <see cref="ProjectionRows"/>. The same code serves every family, so families stay descriptions.
/// </summary>
internal static class AttentionLocator
{
    /// <summary>Locates and validates layer <paramref name="layer"/>'s attention tensors.</summary>
    /// <exception cref="QcqaException">QCQA012 (a weight missing), QCQA014 (a shape the config contradicts), QCQA011 (K/V not a float type).</exception>
    internal static AttentionTensors Locate(ModelConfig config, IReadOnlyDictionary<string, CheckpointTensor> tensors, int layer, string weightsPath)
    {
        var family = config.Family;
        var d = config.HeadDim;
        var width = (long)config.HiddenSize;
        // The family lists one block per head, so nothing sized by the config may be built before the config is known
        // to fit the tensors: a config may claim 10^9 heads. The query rows alone need H·d·D elements.
        var queryElements = (double)config.NumAttentionHeads * d * width;
        var stored = tensors.Values.Sum(t => (double)t.Info.ElementCount);
        if (queryElements > stored)
            throw new QcqaException(ErrorCodes.ShapeMismatch,
                $"config.json implies query projections of {config.NumAttentionHeads} heads × head_dim {d} × hidden_size {width} = {queryElements:N0} elements per layer, " +
                $"more than the whole checkpoint stores ({stored:N0}).", weightsPath);
        var map = config.LayerMap(layer);
        var projections = family.QkvTensors(layer, map);

        CheckpointTensor? Find(StoredProjection projection)
        {
            var role = Role(projection);
            if (!tensors.TryGetValue(projection.Name, out var tensor))
                return projection.IsBias ? null : throw new QcqaException(ErrorCodes.MissingTensor, $"Layer {layer} has no {role} '{projection.Name}'.", weightsPath);
            long rows = (long)projection.Blocks.Count * d;
            CheckShape(tensor, projection.IsBias ? [rows] : [rows, width], role, config, layer);
            if (projection.IsBias || projection.Blocks.Any(b => b.Part != QkvPart.Query)) CheckFloat(tensor);
            return tensor;
        }

        var weights = projections.Where(p => !p.IsBias).Select(p => (Projection: p, Tensor: Find(p)!)).ToArray();
        var outputName = family.OutputName(layer);
        if (!tensors.TryGetValue(outputName, out var output))
            throw new QcqaException(ErrorCodes.MissingTensor, $"Layer {layer} has no output projection '{outputName}'.", weightsPath);
        CheckShape(output, [width, (long)map.QueryToKv.Count * d], "output projection", config, layer);
        var biases = projections.Where(p => p.IsBias).Select(p => (Projection: p, Tensor: Find(p))).Where(p => p.Tensor is not null)
            .Select(p => (p.Projection, Tensor: p.Tensor!)).ToArray();

        return new AttentionTensors(
            layer,
            Rows(weights, QkvPart.Query, map.QueryToKv.Count, d)!,
            Rows(weights, QkvPart.Key, map.NumKeyValueHeads, d)!,
            Rows(weights, QkvPart.Value, map.NumKeyValueHeads, d)!,
            output,
            Rows(biases, QkvPart.Query, map.QueryToKv.Count, d),
            Rows(biases, QkvPart.Key, map.NumKeyValueHeads, d),
            Rows(biases, QkvPart.Value, map.NumKeyValueHeads, d));
    }

    /// <summary>
    /// Checks that every copy of a KV head agrees with the first one, which is the one read (GPT-NeoX stores a copy
    /// per query head): a runtime that reads every copy would otherwise compute another model than QcqaBuild does.
    /// </summary>
    /// <exception cref="QcqaException">QCQA013 naming the layer, the KV head and the two query heads whose copies differ.</exception>
    internal static void CheckCopies(ModelConfig config, AttentionTensors attention, string configPath)
    {
        var layer = attention.Layer;
        var stored = new[] { attention.Query, attention.Key, attention.Value, attention.QueryBias, attention.KeyBias, attention.ValueBias }
            .OfType<ProjectionRows>().GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var projection in config.Family.QkvTensors(layer, config.LayerMap(layer)))
        {
            if (!stored.TryGetValue(projection.Name, out var rows)) continue;
            var tensor = rows.Tensor;
            var length = checked((int)rows.HeadByteLength);
            var seen = new Dictionary<HeadBlock, int>();
            for (var position = 0; position < projection.Blocks.Count; position++)
            {
                var block = projection.Blocks[position];
                if (block.Part == QkvPart.Query) continue;
                if (!seen.TryGetValue(block, out var first))
                {
                    seen[block] = position;
                    continue;
                }
                var a = tensor.File.GetBytes(tensor.Info, (long)first * length, length);
                var b = tensor.File.GetBytes(tensor.Info, (long)position * length, length);
                if (!a.SequenceEqual(b))
                    throw new QcqaException(ErrorCodes.BadModelConfig,
                        $"Layer {layer}: the \"qcqa\" block says query heads {QueryHeadAt(projection, first)} and {QueryHeadAt(projection, position)} share " +
                        $"{(block.Part == QkvPart.Key ? "key" : "value")} head {block.Head}, but their rows of '{projection.Name}' differ; the checkpoint was edited after QcqaBuild wrote it.",
                        configPath);
            }
        }
    }

    // The query head whose slot holds the block at `position` (the nearest query block before it).
    private static int QueryHeadAt(StoredProjection projection, int position)
    {
        for (var p = position; p >= 0; p--)
            if (projection.Blocks[p].Part == QkvPart.Query) return projection.Blocks[p].Head;
        return -1;
    }

    // The projection of `part` as rows of the one stored tensor holding its blocks; each head read from its first block.
    private static ProjectionRows? Rows((StoredProjection Projection, CheckpointTensor Tensor)[] stored, QkvPart part, int heads, int d)
    {
        foreach (var (projection, tensor) in stored)
        {
            var firstRows = new long[heads];
            Array.Fill(firstRows, -1L);
            var any = false;
            for (var position = 0; position < projection.Blocks.Count; position++)
            {
                var block = projection.Blocks[position];
                if (block.Part != part || firstRows[block.Head] >= 0) continue;
                firstRows[block.Head] = (long)position * d;
                any = true;
            }
            if (!any) continue;
            if (firstRows.Any(r => r < 0))
                throw new InvalidOperationException($"The family's layout of '{projection.Name}' lacks some {part} heads.");
            return new ProjectionRows(tensor, firstRows, d);
        }
        return null;
    }

    // "query projection", "key bias", "query/key/value projection".
    private static string Role(StoredProjection projection)
    {
        var parts = projection.Blocks.Select(b => b.Part).Distinct().Order().Select(p => p.ToString().ToLowerInvariant());
        return string.Join("/", parts) + (projection.IsBias ? " bias" : " projection");
    }

    private static void CheckShape(CheckpointTensor tensor, long[] expected, string role, ModelConfig config, int layer)
    {
        if (!TensorInfo.ShapesEqual(tensor.Shape, expected))
            throw new QcqaException(ErrorCodes.ShapeMismatch,
                $"Tensor '{tensor.Name}' ({role}) has shape {TensorInfo.FormatShape(tensor.Shape)} but config.json implies {TensorInfo.FormatShape(expected)} " +
                $"(num_attention_heads {config.NumAttentionHeads}, KV heads {config.KeyValueHeads(layer)}, head_dim {config.HeadDim}, hidden_size {config.HiddenSize}).",
                tensor.File.Path);
    }

    private static void CheckFloat(CheckpointTensor tensor)
    {
        if (!tensor.Dtype.IsConvertible())
            throw new QcqaException(ErrorCodes.UnsupportedDtype,
                $"Tensor '{tensor.Name}' has dtype {tensor.Dtype.Name()}; key and value projections must be F32, F16, BF16 or F64 to be merged.", tensor.File.Path);
    }
}

using System.Text;
using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Output;

namespace Qcqa.Core.Merge;

/// <summary>
/// Writes a compressed checkpoint: each group of a layer's KV heads becomes one KV head whose K/V weights (and
/// biases) are the mean of the group's. The model's family (<see cref="Checkpoint.Family"/>) says where the Q/K/V rows
/// live, so fused tensors are rewritten in their own layout. See the Merge README for the output forms and the config block.
/// </summary>
/// <remarks>
/// <para>When the grouping has equal groups and the same G in every layer
/// (<see cref="ModelGrouping.IsUniformEqualCardinality"/>), the output is a standard GQA checkpoint
/// (<see cref="MergeForm.StandardGqa"/>): query heads are reordered group by group (q_proj row blocks, q bias blocks
/// and o_proj column blocks, one permutation per layer), merged K/V heads are written in group order, and
/// <c>num_key_value_heads = G</c>. Stock loaders run it unchanged.</para>
/// <para>Otherwise (<see cref="MergeForm.PerLayerMap"/>) q/o are untouched, each layer has its own G_l, the config
/// declares <c>num_key_value_heads</c> = max G_l and the per-layer maps live in the <c>qcqa</c> block.
/// <b>Only QcqaBuild's runtime understands such a checkpoint</b>; stock loaders would fail on the K/V shapes or,
/// worse, pair query heads with the wrong KV heads.</para>
/// <para>The input folder is never modified. The output is built in a temporary sibling folder and renamed into
/// place when complete; on failure it is deleted. Tensors the merge does not change are copied byte for byte,
/// the shard layout is kept, and every other file of the model folder is copied, except weights in other formats
/// (pickle <c>.bin</c>/<c>.pt</c>/<c>.pth</c>, TensorFlow, Flax, GGUF), which would be stale.
/// Memory stays at a few bounded buffers: every tensor is produced and written as a stream.</para>
/// </remarks>
public static class CheckpointMerger
{
    /// <summary>Merges <paramref name="input"/> according to <paramref name="grouping"/> into <paramref name="outputFolder"/>.</summary>
    /// <param name="input">The open input checkpoint (never modified).</param>
    /// <param name="grouping">One grouping per layer of the input's KV heads.</param>
    /// <param name="outputFolder">Where the compressed checkpoint goes; replaced only if it is a previous QcqaBuild output.</param>
    /// <param name="options">Optional settings.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="QcqaException">
    /// QCQA020 when the grouping does not fit the model; QCQA002 when the output path is unusable (the input
    /// itself, inside it, a file, or a folder that is not QcqaBuild output).
    /// </exception>
    public static MergeResult Merge(Checkpoint input, ModelGrouping grouping, string outputFolder, MergeOptions? options = null)
    {
        Preconditions.CheckNotNull(input);
        Preconditions.CheckNotNull(grouping);
        Preconditions.CheckNotNull(outputFolder);
        options ??= new MergeOptions();

        var plan = MergePlan.Create(input, grouping, options.GroupingPath);
        var roles = MapRoles(input, plan);
        var folder = OutputFolder.Create(outputFolder, input.Folder);
        try
        {
            // Every write below goes through the one mapping of I/O failures to user errors naming the output.
            return WriteFailures.Run(folder.Target, () => Write(input, plan, roles, folder, outputFolder, options));
        }
        catch
        {
            folder.Abandon();
            throw;
        }
    }

    private static MergeResult Write(Checkpoint input, MergePlan plan, Dictionary<string, AttentionRewrite> roles,
        OutputFolder folder, string outputFolder, MergeOptions options)
    {
        long weightBytes = 0, tensorBytes = 0;
        var projections = new ProjectionMemo(options.Projections);
        foreach (var file in input.Files)
        {
            var (written, data) = WriteWeights(file, Path.Combine(folder.Temporary, Path.GetFileName(file.Path)), roles, projections, options);
            weightBytes += written;
            tensorBytes += data;
        }
        if (input.Index is { } index) WriteText(Path.Combine(folder.Temporary, ShardIndex.FileName), RewriteIndex(index, tensorBytes), options);
        WriteText(Path.Combine(folder.Temporary, ModelConfig.FileName), RewriteConfig(input.Config, plan), options);
        var (copied, skipped) = CompanionFiles.Copy(input, folder.Temporary, options.Cancellation);
        foreach (var (name, text) in options.AdditionalFiles ?? new Dictionary<string, string>())
        {
            var path = Path.Combine(folder.Temporary, Path.GetFileName(name));
            File.Delete(path);
            WriteText(path, text, options);
        }
        options.BeforeCommit?.Invoke(folder.Temporary);
        options.Cancellation.ThrowIfCancellationRequested();
        folder.Commit(outputFolder);

        var before = input.KvCacheBytesPerToken;
        var after = input.KvCacheBytesPerTokenWith(l => plan.Layers[l].OutputMap.NumKeyValueHeads);
        return new MergeResult(folder.Target, plan.Form, plan.Layers.Select(l => l.OutputMap.NumKeyValueHeads).ToArray(),
            before, after, weightBytes, copied, skipped);
    }

    // Every stored tensor of every layer's attention, with how it is written: the family lays out the Q/K/V tensors for
    // the output map (so a fused tensor shrinks to its G_l KV heads, or keeps a copy per query head for GPT-NeoX).
    private static Dictionary<string, AttentionRewrite> MapRoles(Checkpoint input, MergePlan plan)
    {
        var roles = new Dictionary<string, AttentionRewrite>(StringComparer.Ordinal);
        foreach (var layer in plan.Layers)
        {
            var a = input.Attention(layer.Layer);
            foreach (var stored in input.Family.QkvTensors(layer.Layer, layer.OutputMap))
                if (input.TryGetTensor(stored.Name, out _))
                    roles[stored.Name] = new AttentionRewrite(layer, a, stored);
            roles[a.Output.Name] = new AttentionRewrite(layer, a, null);
        }
        return roles;
    }

    // One output file per input file, same name, same tensors in the same data order, same metadata.
    private static (long FileBytes, long TensorBytes) WriteWeights(SafetensorsFile file, string path,
        Dictionary<string, AttentionRewrite> roles, ProjectionMemo projections, MergeOptions options)
    {
        var ordered = file.Tensors.OrderBy(t => t.DataBegin).ToArray();
        var declarations = ordered.Select(t => roles.TryGetValue(t.Name, out var r)
            ? TensorRewriter.Declare(t, r)
            : TensorDeclaration.Of(t)).ToArray();
        using var writer = new SafetensorsWriter(path, declarations, file.Metadata);
        foreach (var tensor in ordered)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            options.BeforeTensor?.Invoke(tensor.Name);
            var source = new CheckpointTensor(file, tensor);
            if (roles.TryGetValue(tensor.Name, out var r))
                TensorRewriter.Write(writer, source, r, r.Plan.KeepsKeyValues ? null : projections.For(r.Plan.Layer));
            else
                writer.CopyTensor(file, tensor);
        }
        writer.Complete(options.FlushToDisk);
        return (writer.FileLength, declarations.Sum(d => d.ByteLength));
    }

    private static string RewriteIndex(ShardIndex index, long totalSize)
    {
        var json = index.ToJsonObject();
        if (json["metadata"] is not JsonObject metadata) json["metadata"] = metadata = new JsonObject();
        metadata["total_size"] = totalSize;
        return ModelConfig.Serialize(json);
    }

    private static string RewriteConfig(ModelConfig config, MergePlan plan)
    {
        var json = config.ToJsonObject();
        // GPT-NeoX has no such key (its stock loader would ignore it); the qcqa block carries the counts.
        if (config.Family.HasKeyValueHeadCount) json["num_key_value_heads"] = plan.DeclaredKeyValueHeads;
        json[QcqaConfigBlock.PropertyName] = plan.ConfigBlock.ToJson();
        return ModelConfig.Serialize(json);
    }

    private static void WriteText(string path, string text, MergeOptions options)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush(options.FlushToDisk);
    }
}

using System.IO.Hashing;
using System.Text;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Merge;
using Qcqa.Core.Output;
using Qcqa.Core.Grouping;

namespace Qcqa.Core.Synthetic;

/// <summary>
/// Writes Llama-family checkpoints in Hugging Face layout with seeded random weights: small models for tests and
/// the reference forward pass, and Llama-2-7B-sized attention-only folders for scale benchmarks. Weights are
/// generated and written in bounded chunks, never held whole in memory.
/// </summary>
/// <remarks>
/// Weights are uniform with standard deviation <see cref="SyntheticCheckpointOptions.WeightStd"/> (0.02), norm
/// weights are 1, so logits of a forward pass stay well-behaved. Every tensor has its own generator seeded from
/// the options' seed and the tensor's name: the folder depends only on the options.
/// </remarks>
public sealed class SyntheticLlamaCheckpoint
{
    private const int ChunkElements = 1 << 16;
    private static readonly Dictionary<string, string> ShardMetadata = new() { ["format"] = "pt" };

    private SyntheticLlamaCheckpoint(string folder, SyntheticCheckpointOptions options, int[][]? clusters, string[] weightFiles, long bytes)
    {
        Folder = folder;
        Options = options;
        Clusters = clusters;
        WeightFiles = weightFiles;
        WeightBytes = bytes;
    }

    /// <summary>The folder written.</summary>
    public string Folder { get; }

    /// <summary>The options it was written with.</summary>
    public SyntheticCheckpointOptions Options { get; }

    /// <summary>
    /// With <see cref="SyntheticCheckpointOptions.Clusters"/>: per layer, the hidden cluster of each KV head (labels
    /// 0..C-1); null otherwise.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int>>? Clusters { get; }

    /// <summary>The hidden clusters as a grouping (mode <c>planted</c>), or null without clusters.</summary>
    public ModelGrouping? PlantedGrouping => Clusters is null
        ? null
        : new ModelGrouping("planted", Clusters.Select((labels, layer) => new LayerGroupingEntry(layer, LayerGrouping.FromLabels(labels))).ToArray());

    /// <summary>The weight files written (file names inside <see cref="Folder"/>).</summary>
    public IReadOnlyList<string> WeightFiles { get; }

    /// <summary>Total size of the weight files.</summary>
    public long WeightBytes { get; }

    /// <summary>Writes a synthetic checkpoint into <paramref name="folder"/> (created if needed; files of the same names are replaced).</summary>
    /// <param name="folder">The model folder to write.</param>
    /// <param name="options">Shape and content.</param>
    /// <returns>What was written, including the hidden clusters.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static SyntheticLlamaCheckpoint Write(string folder, SyntheticCheckpointOptions options) => Write(folder, options, CancellationToken.None);

    /// <summary>
    /// Writes a synthetic checkpoint into a new folder: <paramref name="folder"/> must not exist or be empty (an existing
    /// checkpoint is never overwritten). The files are written into a temporary sibling renamed into place when complete,
    /// so a failure or cancellation leaves nothing behind.
    /// </summary>
    /// <exception cref="QcqaException">QCQA002 when the folder exists and is not empty (or is a file), QCQA004 when writing fails,
    /// QCQA003 when the options are invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled; nothing was kept.</exception>
    public static SyntheticLlamaCheckpoint WriteNew(string folder, SyntheticCheckpointOptions options, CancellationToken cancellation = default)
    {
        var target = OutputPaths.Full(folder, "The folder");
        try
        {
            Preconditions.CheckNotNull(options).Validate();
        }
        catch (ArgumentException e)
        {
            throw new QcqaException(ErrorCodes.BadArgument, e.Message.Split(" (Parameter")[0], inner: e);
        }
        if (File.Exists(target))
            throw new QcqaException(ErrorCodes.BadOutputPath, "A file is in the way of the folder to create.", folder);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new QcqaException(ErrorCodes.BadOutputPath, "The folder exists and is not empty; synth never overwrites files (an existing checkpoint stays as it is). Choose a new folder.", folder);
        var output = OutputFolder.Create(target);
        try
        {
            var written = WriteFailures.Run(target, () => Write(output.Temporary, options, cancellation));
            cancellation.ThrowIfCancellationRequested();
            if (Directory.Exists(target)) Directory.Delete(target); // empty, checked above
            output.Commit(folder);
            return new SyntheticLlamaCheckpoint(target, options, written.Clusters?.Select(c => c.ToArray()).ToArray(), written.WeightFiles.ToArray(), written.WeightBytes);
        }
        catch
        {
            output.Abandon();
            throw;
        }
    }

    private static SyntheticLlamaCheckpoint Write(string folder, SyntheticCheckpointOptions options, CancellationToken cancellation)
    {
        Preconditions.CheckNotNull(folder);
        Preconditions.CheckNotNull(options).Validate();
        Directory.CreateDirectory(folder);

        var clusters = options.Clusters is { } c ? DrawClusters(options, c) : null;
        var tensors = Plan(options, clusters is not null);
        var shards = AssignShards(tensors, options.Shards);
        var names = shards.Count == 1
            ? [Checkpoint.SingleFileName]
            : Enumerable.Range(1, shards.Count).Select(i => $"model-{i:D5}-of-{shards.Count:D5}.safetensors").ToArray();

        long bytes = 0;
        for (var s = 0; s < shards.Count; s++)
        {
            using var writer = new SafetensorsWriter(Path.Combine(folder, names[s]), shards[s].Select(t => t.Declaration).ToArray(), ShardMetadata);
            foreach (var tensor in shards[s])
            {
                cancellation.ThrowIfCancellationRequested();
                Fill(writer, tensor, options, clusters);
            }
            writer.Complete();
            bytes += writer.FileLength;
        }
        if (shards.Count > 1) SyntheticFolderFiles.WriteIndex(folder, shards, names);
        else File.Delete(Path.Combine(folder, ShardIndex.FileName));

        File.WriteAllText(Path.Combine(folder, ModelConfig.FileName), ModelConfig.Serialize(SyntheticFolderFiles.Config(options)));
        if (options.ExtraFiles) SyntheticFolderFiles.WriteExtraFiles(folder, options);
        return new SyntheticLlamaCheckpoint(folder, options, clusters, names, bytes);
    }

    private static List<SyntheticTensor> Plan(SyntheticCheckpointOptions o, bool clustered)
    {
        var dtype = o.Dtype;
        long h = o.Heads, g = o.EffectiveKvHeads, d = o.HeadDim, width = o.Hidden;
        var list = new List<SyntheticTensor>();
        void Add(string name, SyntheticTensorKind kind, int layer, params long[] shape) => list.Add(new(new TensorDeclaration(name, dtype, shape), kind, layer));

        if (!o.AttentionOnly) Add(LlamaTensorNames.EmbedTokens, SyntheticTensorKind.Random, -1, o.Vocab, width);
        var kv = clustered ? SyntheticTensorKind.ClusteredHeads : SyntheticTensorKind.Random;
        for (var layer = 0; layer < o.Layers; layer++)
        {
            if (!o.AttentionOnly) Add(LlamaTensorNames.InputLayerNorm(layer), SyntheticTensorKind.Ones, layer, width);
            Add(LlamaTensorNames.QueryWeight(layer), SyntheticTensorKind.Random, layer, h * d, width);
            if (o.Biases) Add(LlamaTensorNames.QueryBias(layer), SyntheticTensorKind.Random, layer, h * d);
            Add(LlamaTensorNames.KeyWeight(layer), kv, layer, g * d, width);
            if (o.Biases) Add(LlamaTensorNames.KeyBias(layer), SyntheticTensorKind.Random, layer, g * d);
            Add(LlamaTensorNames.ValueWeight(layer), kv, layer, g * d, width);
            if (o.Biases) Add(LlamaTensorNames.ValueBias(layer), SyntheticTensorKind.Random, layer, g * d);
            Add(LlamaTensorNames.OutputWeight(layer), SyntheticTensorKind.Random, layer, width, h * d);
            if (o.Biases) Add(LlamaTensorNames.OutputBias(layer), SyntheticTensorKind.Random, layer, width);
            if (o.AttentionOnly) continue;
            Add(LlamaTensorNames.PostAttentionLayerNorm(layer), SyntheticTensorKind.Ones, layer, width);
            Add(LlamaTensorNames.GateWeight(layer), SyntheticTensorKind.Random, layer, o.Intermediate, width);
            Add(LlamaTensorNames.UpWeight(layer), SyntheticTensorKind.Random, layer, o.Intermediate, width);
            Add(LlamaTensorNames.DownWeight(layer), SyntheticTensorKind.Random, layer, width, o.Intermediate);
        }
        if (!o.AttentionOnly)
        {
            Add(LlamaTensorNames.FinalNorm, SyntheticTensorKind.Ones, -1, width);
            Add(LlamaTensorNames.LmHead, SyntheticTensorKind.Random, -1, o.Vocab, width);
        }
        return list;
    }

    // Contiguous runs of tensors of roughly equal byte size: a tensor goes to the shard its midpoint falls in
    // (so a large last tensor gets a shard of its own); a shard that would be empty is dropped.
    private static List<List<SyntheticTensor>> AssignShards(List<SyntheticTensor> tensors, int shardCount)
    {
        var total = Math.Max(1, tensors.Sum(t => t.Declaration.ByteLength));
        var shards = Enumerable.Range(0, shardCount).Select(_ => new List<SyntheticTensor>()).ToList();
        long start = 0;
        foreach (var tensor in tensors)
        {
            var middle = (Int128)start * 2 + tensor.Declaration.ByteLength;
            var index = (int)Math.Min(shardCount - 1, (long)(middle * shardCount / (2 * (Int128)total)));
            shards[index].Add(tensor);
            start += tensor.Declaration.ByteLength;
        }
        return shards.Where(s => s.Count > 0).ToList();
    }

    private static int[][] DrawClusters(SyntheticCheckpointOptions o, int clusterCount)
    {
        var rng = new Xoshiro256(SeedFor(o, "clusters"));
        var layers = new int[o.Layers][];
        for (var layer = 0; layer < o.Layers; layer++)
        {
            // Balanced sizes (a perfect equal-cardinality grouping exists when C divides G), shuffled positions
            // (so neighbouring-heads GQA does not find it by accident).
            var labels = Enumerable.Range(0, o.EffectiveKvHeads).Select(u => u % clusterCount).ToArray();
            for (var i = labels.Length - 1; i > 0; i--)
            {
                var j = rng.NextInt(i + 1);
                (labels[i], labels[j]) = (labels[j], labels[i]);
            }
            layers[layer] = labels;
        }
        return layers;
    }

    private static void Fill(SafetensorsWriter writer, SyntheticTensor tensor, SyntheticCheckpointOptions o, int[][]? clusters)
    {
        var buffer = new float[ChunkElements];
        var count = TensorInfo.ElementCountOf(tensor.Declaration.Shape);
        switch (tensor.Kind)
        {
            case SyntheticTensorKind.Ones:
                Array.Fill(buffer, 1f);
                for (long done = 0; done < count; done += ChunkElements)
                    writer.WriteSingles(buffer.AsSpan(0, (int)Math.Min(ChunkElements, count - done)));
                break;
            case SyntheticTensorKind.Random:
                var rng = new Xoshiro256(SeedFor(o, tensor.Declaration.Name));
                for (long done = 0; done < count; done += ChunkElements)
                {
                    var chunk = buffer.AsSpan(0, (int)Math.Min(ChunkElements, count - done));
                    rng.FillUniform(chunk, (float)o.WeightStd);
                    writer.WriteSingles(chunk);
                }
                break;
            default:
                FillClustered(writer, tensor, o, clusters![tensor.Layer], buffer);
                break;
        }
    }

    // Head block u = centre of its cluster + noise; the centre's generator restarts for each head, so heads of
    // one cluster share the centre exactly without it ever being held in memory.
    private static void FillClustered(SafetensorsWriter writer, SyntheticTensor tensor, SyntheticCheckpointOptions o, int[] labels, float[] buffer)
    {
        var role = tensor.Declaration.Name.Contains(".k_proj.", StringComparison.Ordinal) ? "k" : "v";
        var noise = new float[ChunkElements];
        var headLength = (long)o.HeadDim * o.Hidden;
        for (var unit = 0; unit < labels.Length; unit++)
        {
            var centre = new Xoshiro256(SeedFor(o, $"layer{tensor.Layer}/{role}/centre{labels[unit]}"));
            var own = new Xoshiro256(SeedFor(o, $"{tensor.Declaration.Name}/head{unit}"));
            for (long done = 0; done < headLength; done += ChunkElements)
            {
                var length = (int)Math.Min(ChunkElements, headLength - done);
                var chunk = buffer.AsSpan(0, length);
                var jitter = noise.AsSpan(0, length);
                centre.FillUniform(chunk, (float)o.WeightStd);
                own.FillUniform(jitter, (float)(o.WeightStd * o.ClusterNoise));
                for (var i = 0; i < length; i++) chunk[i] += jitter[i];
                writer.WriteSingles(chunk);
            }
        }
    }

    private static ulong SeedFor(SyntheticCheckpointOptions o, string name)
        => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(name), unchecked((long)o.Seed));
}

using System.Diagnostics.CodeAnalysis;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Families;

namespace Qcqa.Core.Checkpoints;

/// <summary>
/// A Hugging Face model folder opened for reading: <c>config.json</c> plus <c>model.safetensors</c> or the shards
/// listed by <c>model.safetensors.index.json</c>, all memory mapped. Opening validates the folder: the shard index
/// against the shards, and every layer's attention tensors against the config.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    /// <summary>The single-file weights name.</summary>
    public const string SingleFileName = "model.safetensors";

    private readonly SafetensorsFile[] _files;
    private readonly Dictionary<string, CheckpointTensor> _tensors;
    private readonly AttentionTensors[] _attention;
    // Per layer, the finiteness check of its attention tensors, run once on first access (an error is kept and rethrown).
    private readonly Lazy<AttentionTensors>[] _checkedAttention;
    private readonly Lazy<IReadOnlyList<NonFiniteTensor>> _nonFiniteElsewhere;

    private Checkpoint(string folder, ModelConfig config, ShardIndex? index, SafetensorsFile[] files, Dictionary<string, CheckpointTensor> tensors, AttentionTensors[] attention)
    {
        Folder = folder;
        Config = config;
        Index = index;
        _files = files;
        _tensors = tensors;
        _attention = attention;
        _checkedAttention = attention.Select(a => new Lazy<AttentionTensors>(() => Check(a), LazyThreadSafetyMode.ExecutionAndPublication)).ToArray();
        _nonFiniteElsewhere = new Lazy<IReadOnlyList<NonFiniteTensor>>(ScanOutsideAttention, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The model folder as given to <see cref="Open"/>.</summary>
    public string Folder { get; }

    /// <summary>The validated <c>config.json</c>.</summary>
    public ModelConfig Config { get; }

    /// <summary>The tensor layout of the model (<see cref="ModelConfig.Family"/>).</summary>
    public IModelFamily Family => Config.Family;

    /// <summary>The shard index, or null for a single-file checkpoint.</summary>
    public ShardIndex? Index { get; }

    /// <summary>The weight files: one, or the shards in index order.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Number of decoder layers.</summary>
    public int LayerCount => Config.NumHiddenLayers;

    /// <summary>H_l per layer: the KV heads of each layer, the units a grouping of this model partitions.</summary>
    public IReadOnlyList<int> KvHeadsPerLayer => Enumerable.Range(0, LayerCount).Select(Config.KeyValueHeads).ToArray();

    /// <summary>Every tensor of the checkpoint, file by file in header order.</summary>
    public IEnumerable<CheckpointTensor> Tensors => _files.SelectMany(f => f.Tensors.Select(t => _tensors[t.Name]));

    /// <summary>Total number of parameters (elements of every tensor).</summary>
    public long ParameterCount => _files.Sum(f => f.Tensors.Sum(t => t.ElementCount));

    /// <summary>
    /// KV-cache bytes per token: 2 · Σ_l G_l · head_dim · element size (the K projection's dtype), i.e. one key and
    /// one value vector per KV head per layer.
    /// </summary>
    public long KvCacheBytesPerToken => KvCacheBytesPerTokenWith(l => Config.KeyValueHeads(l));

    /// <summary>
    /// KV-cache bytes per token if layer l kept <paramref name="kvHeadsOfLayer"/>(l) KV heads (K and V, head_dim
    /// each, in the K/V weights' dtype) — the size of a compressed variant of this checkpoint.
    /// </summary>
    public long KvCacheBytesPerTokenWith(Func<int, int> kvHeadsOfLayer)
        => Enumerable.Range(0, LayerCount).Sum(l => 2L * kvHeadsOfLayer(l) * Config.HeadDim * _attention[l].Key.Dtype.Size());

    /// <summary>The file errors about the weights point at: the index of a sharded checkpoint, or the single file.</summary>
    public string WeightsPath => Index?.Path ?? _files[0].Path;

    /// <summary>Opens and validates a model folder.</summary>
    /// <param name="folder">The folder holding <c>config.json</c> and the weights.</param>
    /// <returns>The open checkpoint; dispose it to release the mappings.</returns>
    /// <exception cref="QcqaException">
    /// QCQA001 (folder or weights missing), QCQA010/011 (malformed safetensors), QCQA012 (attention tensor missing),
    /// QCQA013 (bad config), QCQA014 (shape disagrees with the config), QCQA015 (bad shard index).
    /// </exception>
    public static Checkpoint Open(string folder)
    {
        Preconditions.CheckNotNull(folder);
        if (!Directory.Exists(folder))
            throw new QcqaException(ErrorCodes.FileNotFound, "The model folder does not exist.", folder);
        var config = ModelConfig.Load(Path.Combine(folder, ModelConfig.FileName));

        var single = Path.Combine(folder, SingleFileName);
        var indexPath = Path.Combine(folder, ShardIndex.FileName);
        ShardIndex? index = null;
        var files = new List<SafetensorsFile>();
        try
        {
            if (Path.Exists(single))
            {
                files.Add(SafetensorsFile.Open(single));
            }
            else if (File.Exists(indexPath))
            {
                index = ShardIndex.Load(indexPath);
                foreach (var shard in index.ShardNames) files.Add(SafetensorsFile.Open(Path.Combine(folder, shard)));
            }
            else
            {
                throw new QcqaException(ErrorCodes.FileNotFound, MissingWeightsMessage(folder), folder);
            }

            var tensors = MapTensors(files, index);
            // Grown layer by layer, never sized by the config up front: a config that claims more layers than the
            // weights hold fails at the first missing tensor, whatever number it claims.
            var attention = new List<AttentionTensors>();
            var weightsPath = index?.Path ?? single;
            for (var layer = 0; layer < config.NumHiddenLayers; layer++)
                attention.Add(AttentionLocator.Locate(config, tensors, layer, weightsPath));
            return new Checkpoint(folder, config, index, files.ToArray(), tensors, attention.ToArray());
        }
        catch
        {
            foreach (var file in files) file.Dispose();
            throw;
        }
    }

    /// <summary>Looks a tensor up by name across all files.</summary>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out CheckpointTensor? tensor) => _tensors.TryGetValue(name, out tensor);

    /// <summary>Looks a tensor up by name across all files.</summary>
    /// <exception cref="QcqaException">QCQA012 when the checkpoint has no such tensor.</exception>
    public CheckpointTensor GetTensor(string name)
        => TryGetTensor(name, out var tensor)
            ? tensor
            : throw new QcqaException(ErrorCodes.MissingTensor, $"The checkpoint has no tensor '{name}'.", WeightsPath);

    /// <summary>
    /// The validated attention tensors of layer <paramref name="layer"/>. This is the one door to a layer's weights for
    /// statistics, merging and loading: the first access checks that every Q/K/V/O weight and bias is finite (and, for
    /// a family that stores a copy of a KV head per query head, that the copies agree).
    /// </summary>
    /// <exception cref="QcqaException">
    /// QCQA016 when a tensor of the layer holds NaN or ±Inf (the tensor, layer and count are named); QCQA013 when copies
    /// of a KV head differ.
    /// </exception>
    public AttentionTensors Attention(int layer) => _checkedAttention[Preconditions.CheckRange(layer, 0, LayerCount - 1)].Value;

    /// <summary>Checks every layer's attention tensors (see <see cref="Attention"/>) at once.</summary>
    /// <exception cref="QcqaException">QCQA016 for the first layer with a non-finite value.</exception>
    public void CheckAttentionFinite()
    {
        for (var layer = 0; layer < LayerCount; layer++) Attention(layer);
    }

    /// <summary>
    /// Float tensors outside the attention projections (embeddings, norms, MLP) that hold NaN or ±Inf: a warning, not
    /// an error, since QcqaBuild copies them unchanged. Scanned once, on first use.
    /// </summary>
    public IReadOnlyList<NonFiniteTensor> NonFiniteOutsideAttention => _nonFiniteElsewhere.Value;

    /// <summary>Layer <paramref name="layer"/>'s K weight [G·d, D] as doubles (exact; for layers that fit in memory).</summary>
    public double[] ReadKeyWeight(int layer) => Attention(layer).Key.ReadAllDoubles();

    /// <summary>Layer <paramref name="layer"/>'s V weight [G·d, D] as doubles (exact; for layers that fit in memory).</summary>
    public double[] ReadValueWeight(int layer) => Attention(layer).Value.ReadAllDoubles();

    /// <summary>Releases every file mapping.</summary>
    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
    }

    private AttentionTensors Check(AttentionTensors attention)
    {
        foreach (var (tensor, role) in attention.StoredTensors())
        {
            var count = NonFiniteScan.Count(tensor);
            if (count > 0)
                throw new QcqaException(ErrorCodes.NonFiniteWeights,
                    $"Layer {attention.Layer}'s {role} '{tensor.Name}' holds {count:N0} non-finite value(s) (NaN or infinity) out of {tensor.Info.ElementCount:N0}; " +
                    "the checkpoint is damaged (check how it was trained, converted or downloaded).", tensor.File.Path);
        }
        AttentionLocator.CheckCopies(Config, attention, Config.Path);
        return attention;
    }

    private IReadOnlyList<NonFiniteTensor> ScanOutsideAttention()
    {
        var attentionNames = _attention.SelectMany(a => a.StoredTensors()).Select(t => t.Tensor.Name).ToHashSet(StringComparer.Ordinal);
        var found = new List<NonFiniteTensor>();
        foreach (var tensor in Tensors)
        {
            if (attentionNames.Contains(tensor.Name)) continue;
            var count = NonFiniteScan.Count(tensor);
            if (count > 0) found.Add(new NonFiniteTensor(tensor.Name, tensor.File.Path, count, tensor.Info.ElementCount));
        }
        return found;
    }

    private static string MissingWeightsMessage(string folder)
    {
        var pickles = Directory.EnumerateFiles(folder, "*.bin").Concat(Directory.EnumerateFiles(folder, "*.pt")).Any();
        return pickles
            ? $"The folder has no {SingleFileName} or {ShardIndex.FileName}; it holds pickle weights (.bin/.pt), which QcqaBuild does not load because loading them can run code. Convert the model to safetensors first."
            : $"The folder has no {SingleFileName} or {ShardIndex.FileName}.";
    }

    private static Dictionary<string, CheckpointTensor> MapTensors(List<SafetensorsFile> files, ShardIndex? index)
    {
        var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var info in file.Tensors)
            {
                if (tensors.TryGetValue(info.Name, out var other))
                    throw new QcqaException(ErrorCodes.BadShardIndex,
                        $"Tensor '{info.Name}' is stored in two shards, {Path.GetFileName(other.File.Path)} and {Path.GetFileName(file.Path)}.", index!.Path);
                tensors[info.Name] = new CheckpointTensor(file, info);
            }
        }
        if (index is null) return tensors;

        foreach (var (name, tensor) in tensors)
        {
            var stored = Path.GetFileName(tensor.File.Path);
            var listed = index.ShardOf(name);
            if (listed != stored)
                throw new QcqaException(ErrorCodes.BadShardIndex, listed is not null
                    ? $"Tensor '{name}' is stored in {stored} but the index places it in {listed}."
                    : $"Tensor '{name}' is stored in {stored} but the index does not list it.", index.Path);
        }
        foreach (var (name, shard) in index.WeightMap)
            if (!tensors.ContainsKey(name))
                throw new QcqaException(ErrorCodes.BadShardIndex, $"The index places tensor '{name}' in {shard}, but that shard does not contain it.", index.Path);
        return tensors;
    }
}

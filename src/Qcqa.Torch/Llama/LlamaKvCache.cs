namespace Qcqa.Torch.Llama;

/// <summary>
/// The KV cache of a whole model for incremental decoding: one <see cref="LayerKvCache"/> per layer, each holding
/// only that layer's G_l KV heads. Pass it to <see cref="LlamaModel.Forward(TorchSharp.torch.Tensor, LlamaKvCache?)"/>:
/// the first call (prefill) stores the prompt, each later call (step) appends its tokens.
/// </summary>
public sealed class LlamaKvCache : IDisposable
{
    private readonly LayerKvCache[] _layers;

    /// <summary>Creates an empty cache shaped for <paramref name="config"/>.</summary>
    /// <param name="config">The model's config (its per-layer KV head counts size the cache).</param>
    /// <param name="batchSize">Sequences decoded together.</param>
    public LlamaKvCache(LlamaConfig config, long batchSize = 1)
    {
        Preconditions.CheckNotNull(config);
        BatchSize = batchSize;
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(l => new LayerKvCache(batchSize, config.LayoutOf(l).KvHeads, config.ResolvedHeadDim))
            .ToArray();
    }

    /// <summary>Sequences decoded together.</summary>
    public long BatchSize { get; }

    /// <summary>The per-layer caches.</summary>
    public IReadOnlyList<LayerKvCache> Layers => _layers;

    /// <summary>Tokens stored (the position the next token will take).</summary>
    public long Length => _layers.Length == 0 ? 0 : _layers[0].Length;

    /// <summary>Bytes of keys and values stored: Σ_l 2 · batch · G_l · head_dim · tokens · element size.</summary>
    public long SizeInBytes => _layers.Sum(l => l.SizeInBytes);

    /// <summary>Bytes allocated, including room not yet used.</summary>
    public long AllocatedBytes => _layers.Sum(l => l.AllocatedBytes);

    /// <summary>
    /// The cache size a config implies: Σ_l G_l · head_dim · 2 (K and V) · <paramref name="elementSize"/> ·
    /// <paramref name="tokens"/> · <paramref name="batchSize"/>.
    /// </summary>
    public static long BytesFor(LlamaConfig config, long tokens, long batchSize = 1, int elementSize = sizeof(float))
    {
        Preconditions.CheckNotNull(config);
        long heads = Enumerable.Range(0, config.NumHiddenLayers).Sum(l => (long)config.LayoutOf(l).KvHeads);
        return heads * config.ResolvedHeadDim * 2 * elementSize * tokens * batchSize;
    }

    /// <summary>Frees every layer's buffers.</summary>
    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
    }
}

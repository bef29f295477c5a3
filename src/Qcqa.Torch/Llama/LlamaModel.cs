using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// A reference Llama causal language model (Transformers' <c>LlamaForCausalLM</c>) in float32, with per-layer KV
/// layouts so that QCQA-compressed checkpoints (any group sizes, layers with different G) run unchanged. It is a
/// trainable <c>nn.Module</c>: its parameter names are the Hugging Face checkpoint names.
/// </summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Standard deviation of the random initialisation (Transformers' <c>initializer_range</c> default).</summary>
    public const double InitStd = 0.02;

    private readonly LlamaDecoderStack _stack;
    private readonly Projection? _lmHead;

    /// <summary>Creates a randomly initialised model: weights ~ N(0, 0.02²), biases 0, norm weights 1.</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where parameters live and compute runs; CPU when null.</param>
    /// <param name="seed">Seed of the initialisation, for reproducible models; random when null.</param>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.BadModelConfig"/> for an inconsistent config; <see cref="ErrorCodes.RuntimeUnavailable"/> when libtorch cannot load.</exception>
    public LlamaModel(LlamaConfig config, Device? device = null, long? seed = null)
        : this(config, device, seed, initialize: true)
    {
    }

    // initialize = false leaves parameters uninitialised, for FromWeights, which overwrites every one of them.
    private LlamaModel(LlamaConfig config, Device? device, long? seed, bool initialize) : base("LlamaForCausalLM")
    {
        Preconditions.CheckNotNull(config);
        TorchRuntime.EnsureInitialized();
        config.Validate();
        Config = config;
        Device = device ?? CPU;
        _stack = new LlamaDecoderStack("model", config, Device);
        register_module("model", _stack);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = new Projection("lm_head", config.HiddenSize, config.VocabSize, false, Device);
            register_module("lm_head", _lmHead);
        }
        if (initialize) Initialize(seed);
    }

    /// <summary>The architecture.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The device the model was built on.</summary>
    public Device Device { get; }

    /// <summary>The decoder stack (embedding, layers, final norm).</summary>
    public LlamaDecoderStack Stack => _stack;

    /// <summary>The output projection's weight, [vocab, hidden]: the embedding table when embeddings are tied.</summary>
    public Tensor HeadWeight => _lmHead?.Weight ?? _stack.Embedding.Weight;

    /// <summary>
    /// Builds a model from Hugging Face-named tensors (any floating dtype; copied to float32 on
    /// <paramref name="device"/>). The caller keeps ownership of <paramref name="weights"/>.
    /// </summary>
    /// <param name="config">The architecture the weights must match.</param>
    /// <param name="weights">Tensors keyed by checkpoint name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
    /// <param name="device">Target device; CPU when null.</param>
    /// <exception cref="QcqaException">
    /// <see cref="ErrorCodes.MissingTensor"/> naming a missing tensor and its expected shape;
    /// <see cref="ErrorCodes.ShapeMismatch"/> naming a tensor whose shape differs;
    /// <see cref="ErrorCodes.UnsupportedDtype"/> for a non-floating tensor;
    /// <see cref="ErrorCodes.BadModelConfig"/> for a tensor the config does not describe.
    /// </exception>
    public static LlamaModel FromWeights(LlamaConfig config, IReadOnlyDictionary<string, Tensor> weights, Device? device = null)
    {
        Preconditions.CheckNotNull(config);
        Preconditions.CheckNotNull(weights);
        TorchRuntime.EnsureInitialized();
        config.Validate();
        var expected = LlamaWeightShapes.Expected(config);
        CheckWeights(config, expected, weights);

        var model = new LlamaModel(config, device, seed: null, initialize: false);
        try
        {
            using var noGrad = no_grad();
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, _) in expected) parameters[name].copy_(weights[name]);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Logits for every position of <paramref name="tokens"/>, computed from position 0 without a cache.</summary>
    /// <param name="tokens">[batch, seq], int64 token ids.</param>
    /// <returns>[batch, seq, vocab]</returns>
    public override Tensor forward(Tensor tokens) => Forward(tokens, null);

    /// <summary>
    /// Logits for new tokens. With a cache, the tokens are placed after the cached ones and appended to the
    /// cache: call it once with the prompt (prefill), then once per generated token (step).
    /// </summary>
    /// <param name="tokens">[batch, seq], int64 token ids.</param>
    /// <param name="cache">A cache from <see cref="CreateKvCache"/>, or null.</param>
    /// <param name="observer">Sees every layer's attention input and output (calibration), or null.</param>
    /// <returns>[batch, seq, vocab]</returns>
    /// <exception cref="ArgumentException">Wrong shape or dtype, token id out of range, or a cache of another shape.</exception>
    public Tensor Forward(Tensor tokens, LlamaKvCache? cache, IAttentionObserver? observer = null)
    {
        Preconditions.CheckNotNull(tokens);
        CheckTokens(tokens, cache);
        using var scope = NewDisposeScope();
        var hidden = _stack.Forward(tokens.to(Device), cache, observer);
        var logits = _lmHead is null
            ? nn.functional.linear(hidden, _stack.Embedding.Weight)
            : _lmHead.forward(hidden);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Creates an empty KV cache for this model.</summary>
    /// <param name="batchSize">Sequences decoded together.</param>
    public LlamaKvCache CreateKvCache(long batchSize = 1) => new(Config, batchSize);

    /// <summary>
    /// Copies the parameters out under their Hugging Face names (no <c>lm_head.weight</c> when embeddings are tied),
    /// as detached float32 CPU tensors the caller owns and must dispose.
    /// </summary>
    public Dictionary<string, Tensor> ExportWeights()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
            result[name] = parameter.detach().to(CPU).clone().DetachFromDisposeScope();
        return result;
    }

    private void Initialize(long? seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator(unchecked((ulong)(seed ?? Random.Shared.NextInt64())), CPU);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) parameter.fill_(1.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
            // Draw on the CPU so a seed gives the same model on every device.
            else parameter.copy_(empty(parameter.shape, ScalarType.Float32, CPU).normal_(0.0, InitStd, generator));
        }
    }

    private static void CheckWeights(LlamaConfig config, IReadOnlyList<KeyValuePair<string, long[]>> expected, IReadOnlyDictionary<string, Tensor> weights)
    {
        foreach (var (name, shape) in expected)
        {
            if (!weights.TryGetValue(name, out var tensor) || tensor is null)
                throw new QcqaException(ErrorCodes.MissingTensor,
                    $"Tensor '{name}' is missing; expected shape {LlamaWeightShapes.Format(shape)}.");
            if (!tensor.shape.SequenceEqual(shape))
                throw new QcqaException(ErrorCodes.ShapeMismatch,
                    $"Tensor '{name}' has shape {LlamaWeightShapes.Format(tensor.shape)}; expected {LlamaWeightShapes.Format(shape)}.");
            if (!tensor.is_floating_point())
                throw new QcqaException(ErrorCodes.UnsupportedDtype, $"Tensor '{name}' has dtype {tensor.dtype}; expected a floating-point type.");
        }
        var known = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        // Older checkpoints store the RoPE table; it is derived from the config, so it is accepted and ignored.
        var unexpected = weights.Keys.FirstOrDefault(k => !known.Contains(k) && !k.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal));
        if (unexpected is not null)
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"Tensor '{unexpected}' is not part of a Llama model with this config ({config.NumHiddenLayers} layers, " +
                $"attention_bias={config.AttentionBias.ToString().ToLowerInvariant()}, tie_word_embeddings={config.TieWordEmbeddings.ToString().ToLowerInvariant()}).");
    }

    private void CheckTokens(Tensor tokens, LlamaKvCache? cache)
    {
        if (tokens.dim() != 2 || tokens.dtype != ScalarType.Int64)
            throw new ArgumentException($"Expected int64 tokens [batch, seq] but got {tokens.dtype} {LlamaWeightShapes.Format(tokens.shape)}.", nameof(tokens));
        if (tokens.shape[1] == 0) throw new ArgumentException("The token sequence is empty.", nameof(tokens));
        using var scope = NewDisposeScope();
        var min = tokens.min().item<long>();
        var max = tokens.max().item<long>();
        if (min < 0 || max >= Config.VocabSize)
            throw new ArgumentException($"Token ids must be in [0, {Config.VocabSize}); got [{min}, {max}].", nameof(tokens));
        if (cache is null) return;
        if (cache.BatchSize != tokens.shape[0])
            throw new ArgumentException($"The cache holds {cache.BatchSize} sequences but {tokens.shape[0]} were given.", nameof(cache));
        if (cache.Layers.Count != Config.NumHiddenLayers
            || cache.Layers.Select((l, i) => l.KvHeads == Config.LayoutOf(i).KvHeads && l.HeadDim == Config.ResolvedHeadDim).Any(ok => !ok))
            throw new ArgumentException("The cache was created for a different model configuration.", nameof(cache));
    }
}

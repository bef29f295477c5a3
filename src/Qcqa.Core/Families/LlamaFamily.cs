using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Families;

/// <summary>
/// Llama-family checkpoints (Llama, Mistral, Qwen2/Qwen1.5): separate <c>self_attn.q_proj</c>, <c>k_proj</c>,
/// <c>v_proj</c> and <c>o_proj</c>, each projection head after head; q/k/v biases optional (Qwen stores them).
/// </summary>
public sealed class LlamaFamily : IModelFamily
{
    /// <summary>The one instance.</summary>
    public static LlamaFamily Instance { get; } = new();

    private LlamaFamily()
    {
    }

    /// <inheritdoc />
    public string Name => "llama";

    /// <inheritdoc />
    public string Description => "separate q_proj/k_proj/v_proj/o_proj (Llama, Mistral, Qwen2 and Qwen1.5 with q/k/v biases)";

    /// <inheritdoc />
    public IReadOnlyList<string> Architectures { get; } = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    /// <inheritdoc />
    public IReadOnlyList<string> ModelTypes { get; } = ["llama", "mistral", "qwen2"];

    /// <inheritdoc />
    public bool HasKeyValueHeadCount => true;

    /// <inheritdoc />
    public IReadOnlyList<StoredProjection> QkvTensors(int layer, QcqaLayerMap map)
    {
        Preconditions.CheckNotNull(map);
        var queries = Blocks(QkvPart.Query, map.QueryToKv.Count);
        var keys = Blocks(QkvPart.Key, map.NumKeyValueHeads);
        var values = Blocks(QkvPart.Value, map.NumKeyValueHeads);
        return
        [
            new(LlamaTensorNames.QueryWeight(layer), false, queries),
            new(LlamaTensorNames.KeyWeight(layer), false, keys),
            new(LlamaTensorNames.ValueWeight(layer), false, values),
            new(LlamaTensorNames.QueryBias(layer), true, queries),
            new(LlamaTensorNames.KeyBias(layer), true, keys),
            new(LlamaTensorNames.ValueBias(layer), true, values),
        ];
    }

    /// <inheritdoc />
    public string OutputName(int layer) => LlamaTensorNames.OutputWeight(layer);

    /// <inheritdoc />
    public int RotaryDimensions(ModelConfig config)
    {
        Preconditions.CheckNotNull(config);
        ConfigValues.Rope(config.ToJsonObject(), config.Path, "rope_theta", 10000.0, null, 1.0);
        return config.HeadDim;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Transformers' <c>LlamaConfig</c> defaults where a key is absent (<c>rms_norm_eps</c> 1e-6, <c>rope_theta</c> 10000,
    /// <c>max_position_embeddings</c> 2048, untied embeddings). Biases come from the tensors as well as the flag: Qwen2
    /// stores q/k/v biases without <c>attention_bias</c>, and an <c>o_proj.bias</c> is used exactly when stored.
    /// Refused: <c>rope_scaling</c>, <c>mlp_bias: true</c>, a <c>hidden_act</c> other than <c>silu</c>.
    /// </remarks>
    public DecoderArchitecture Decoder(Checkpoint checkpoint)
    {
        Preconditions.CheckNotNull(checkpoint);
        var config = checkpoint.Config;
        var json = config.ToJsonObject();
        var path = config.Path;
        if (ConfigValues.Boolean(json, "mlp_bias", path) == true)
            throw new QcqaException(ErrorCodes.BadModelConfig, "\"mlp_bias\": true is not supported by QcqaBuild's runtime.", path);
        ConfigValues.RequireActivation(json, path, "silu", "Llama");
        var (theta, _) = ConfigValues.Rope(json, path, "rope_theta", 10000.0, null, 1.0);
        var tied = ConfigValues.Boolean(json, "tie_word_embeddings", path) ?? false;

        var weights = new Dictionary<string, TensorRows>(StringComparer.Ordinal);
        void Same(string name) => weights[name] = TensorRows.Whole(name);
        Same(LlamaTensorNames.EmbedTokens);
        var outputBias = checkpoint.TryGetTensor(LlamaTensorNames.OutputBias(0), out _);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            Same(LlamaTensorNames.InputLayerNorm(layer));
            Same(LlamaTensorNames.PostAttentionLayerNorm(layer));
            Same(LlamaTensorNames.GateWeight(layer));
            Same(LlamaTensorNames.UpWeight(layer));
            Same(LlamaTensorNames.DownWeight(layer));
            if (outputBias) Same(LlamaTensorNames.OutputBias(layer));
        }
        Same(LlamaTensorNames.FinalNorm);
        if (!tied) Same(LlamaTensorNames.LmHead);

        return new DecoderArchitecture
        {
            VocabSize = ConfigValues.RequiredInteger(json, "vocab_size", path),
            IntermediateSize = ConfigValues.RequiredInteger(json, "intermediate_size", path),
            Norm = NormKind.Rms,
            NormEpsilon = ConfigValues.PositiveNumber(json, "rms_norm_eps", path) ?? 1e-6,
            Mlp = MlpKind.GatedSilu,
            ParallelResidual = false,
            RopeTheta = theta,
            RotaryDimensions = config.HeadDim,
            MaxPositionEmbeddings = ConfigValues.PositiveInteger(json, "max_position_embeddings", path) ?? 2048,
            TieWordEmbeddings = tied,
            QkvBias = (ConfigValues.Boolean(json, "attention_bias", path) ?? false) || checkpoint.Attention(0).QueryBias is not null,
            OutputBias = outputBias,
            Weights = weights,
            // Older checkpoints store the RoPE table (derived from the config); with tied embeddings a stored lm_head
            // is the embedding again, which Transformers ignores as well.
            Ignorable = name => name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) || (tied && name == LlamaTensorNames.LmHead),
        };
    }

    private static HeadBlock[] Blocks(QkvPart part, int heads) => Enumerable.Range(0, heads).Select(h => new HeadBlock(part, h)).ToArray();
}

using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Families;

/// <summary>
/// GPT-NeoX checkpoints (Pythia): one fused <c>attention.query_key_value</c> whose rows are interleaved per head,
/// [q₀; k₀; v₀; q₁; k₁; v₁; …] (Transformers views its output as [H, 3, d]), with a bias, and <c>attention.dense</c>.
/// </summary>
/// <remarks>
/// GPT-NeoX has no KV-head count: its stock model gives every query head its own key and value rows. A merged
/// checkpoint therefore keeps the interleaved layout and the tensor's shape, and writes each query head's slot with
/// the merged key and value of the KV head it reads (copies of one merged head for every query head of a group). Any
/// GPT-NeoX loader runs it and computes exactly the merged model; the <c>qcqa</c> block's per-layer map tells
/// QcqaBuild's runtime which slots are copies, so it computes and caches only the G_l distinct heads. Reading such a
/// checkpoint takes KV head u from the first query head that reads it (and checks that the other copies agree).
/// </remarks>
public sealed class GptNeoxFamily : IModelFamily
{
    /// <summary>The one instance.</summary>
    public static GptNeoxFamily Instance { get; } = new();

    private GptNeoxFamily()
    {
    }

    /// <inheritdoc />
    public string Name => "gpt_neox";

    /// <inheritdoc />
    public string Description => "fused query_key_value rows interleaved per head [q_h; k_h; v_h] and attention.dense (GPT-NeoX, Pythia)";

    /// <inheritdoc />
    public IReadOnlyList<string> Architectures { get; } = ["GPTNeoXForCausalLM"];

    /// <inheritdoc />
    public IReadOnlyList<string> ModelTypes { get; } = ["gpt_neox"];

    /// <inheritdoc />
    public bool HasKeyValueHeadCount => false;

    /// <summary>Prefix of every tensor of layer <paramref name="layer"/>: <c>gpt_neox.layers.{layer}.</c>.</summary>
    public static string LayerPrefix(int layer) => $"gpt_neox.layers.{layer}.";

    /// <summary><c>attention.query_key_value.weight</c>, [3·H·d, D].</summary>
    public static string QkvWeight(int layer) => LayerPrefix(layer) + "attention.query_key_value.weight";

    /// <summary><c>attention.query_key_value.bias</c>, [3·H·d].</summary>
    public static string QkvBias(int layer) => LayerPrefix(layer) + "attention.query_key_value.bias";

    /// <summary><c>attention.dense.weight</c>, [D, H·d].</summary>
    public static string DenseWeight(int layer) => LayerPrefix(layer) + "attention.dense.weight";

    /// <summary><c>embed_out.weight</c>, [vocab, D]: the output head.</summary>
    public const string EmbedOut = "embed_out.weight";

    /// <summary><c>attention.dense.bias</c>, [D].</summary>
    public static string DenseBias(int layer) => LayerPrefix(layer) + "attention.dense.bias";

    /// <inheritdoc />
    public IReadOnlyList<StoredProjection> QkvTensors(int layer, QcqaLayerMap map)
    {
        Preconditions.CheckNotNull(map);
        var blocks = map.QueryToKv.SelectMany((kv, h) => new[] { new HeadBlock(QkvPart.Query, h), new HeadBlock(QkvPart.Key, kv), new HeadBlock(QkvPart.Value, kv) }).ToArray();
        return [new(QkvWeight(layer), false, blocks), new(QkvBias(layer), true, blocks)];
    }

    /// <inheritdoc />
    public string OutputName(int layer) => DenseWeight(layer);

    /// <inheritdoc />
    public int RotaryDimensions(ModelConfig config)
    {
        Preconditions.CheckNotNull(config);
        var (_, fraction) = ConfigValues.Rope(config.ToJsonObject(), config.Path, "rotary_emb_base", 10000.0, "rotary_pct", 0.25);
        return ConfigValues.RotaryDimensions(config.HeadDim, fraction, config.Path);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Transformers' <c>GPTNeoXConfig</c> defaults where a key is absent (<c>layer_norm_eps</c> 1e-5, <c>rotary_pct</c>
    /// 0.25, <c>rotary_emb_base</c> 10000, <c>use_parallel_residual</c> true, <c>max_position_embeddings</c> 2048, untied
    /// <c>embed_out</c>); biases are used as stored. The stored mask buffers (<c>attention.bias</c>,
    /// <c>attention.masked_bias</c>) and RoPE tables are derived data and ignored. Refused: <c>rope_scaling</c>, a
    /// <c>hidden_act</c> other than the exact <c>gelu</c>.
    /// </remarks>
    public DecoderArchitecture Decoder(Checkpoint checkpoint)
    {
        Preconditions.CheckNotNull(checkpoint);
        var config = checkpoint.Config;
        var json = config.ToJsonObject();
        var path = config.Path;
        ConfigValues.RequireActivation(json, path, "gelu", "GPT-NeoX");
        var (theta, _) = ConfigValues.Rope(json, path, "rotary_emb_base", 10000.0, "rotary_pct", 0.25);
        var tied = ConfigValues.Boolean(json, "tie_word_embeddings", path) ?? false;

        var weights = new Dictionary<string, TensorRows>(StringComparer.Ordinal)
        {
            [LlamaTensorNames.EmbedTokens] = TensorRows.Whole("gpt_neox.embed_in.weight"),
            [LlamaTensorNames.FinalNorm] = TensorRows.Whole("gpt_neox.final_layer_norm.weight"),
            [LlamaTensorNames.FinalNormBias] = TensorRows.Whole("gpt_neox.final_layer_norm.bias"),
        };
        if (!tied) weights[LlamaTensorNames.LmHead] = TensorRows.Whole(EmbedOut);
        var outputBias = checkpoint.TryGetTensor(DenseBias(0), out _);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var p = LayerPrefix(layer);
            weights[LlamaTensorNames.InputLayerNorm(layer)] = TensorRows.Whole(p + "input_layernorm.weight");
            weights[LlamaTensorNames.InputLayerNormBias(layer)] = TensorRows.Whole(p + "input_layernorm.bias");
            weights[LlamaTensorNames.PostAttentionLayerNorm(layer)] = TensorRows.Whole(p + "post_attention_layernorm.weight");
            weights[LlamaTensorNames.PostAttentionLayerNormBias(layer)] = TensorRows.Whole(p + "post_attention_layernorm.bias");
            weights[LlamaTensorNames.UpWeight(layer)] = TensorRows.Whole(p + "mlp.dense_h_to_4h.weight");
            weights[LlamaTensorNames.UpBias(layer)] = TensorRows.Whole(p + "mlp.dense_h_to_4h.bias");
            weights[LlamaTensorNames.DownWeight(layer)] = TensorRows.Whole(p + "mlp.dense_4h_to_h.weight");
            weights[LlamaTensorNames.DownBias(layer)] = TensorRows.Whole(p + "mlp.dense_4h_to_h.bias");
            if (outputBias) weights[LlamaTensorNames.OutputBias(layer)] = TensorRows.Whole(DenseBias(layer));
        }

        return new DecoderArchitecture
        {
            VocabSize = ConfigValues.RequiredInteger(json, "vocab_size", path),
            IntermediateSize = ConfigValues.RequiredInteger(json, "intermediate_size", path),
            Norm = NormKind.Layer,
            NormEpsilon = ConfigValues.PositiveNumber(json, "layer_norm_eps", path) ?? 1e-5,
            Mlp = MlpKind.Gelu,
            ParallelResidual = ConfigValues.Boolean(json, "use_parallel_residual", path) ?? true,
            RopeTheta = theta,
            RotaryDimensions = RotaryDimensions(config),
            MaxPositionEmbeddings = ConfigValues.PositiveInteger(json, "max_position_embeddings", path) ?? 2048,
            TieWordEmbeddings = tied,
            QkvBias = checkpoint.Attention(0).QueryBias is not null,
            OutputBias = outputBias,
            Weights = weights,
            Ignorable = name => name.EndsWith(".attention.bias", StringComparison.Ordinal)
                                || name.EndsWith(".attention.masked_bias", StringComparison.Ordinal)
                                || name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
                                || (tied && name == EmbedOut),
        };
    }
}

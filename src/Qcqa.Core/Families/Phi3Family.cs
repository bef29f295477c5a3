using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Core.Families;

/// <summary>
/// Phi-3 checkpoints: one fused <c>self_attn.qkv_proj</c> whose rows are all query heads, then the G key heads, then
/// the G value heads ([H·d; G·d; G·d], G = <c>num_key_value_heads</c>), and <c>o_proj</c>. Transformers' Phi-3 splits
/// the fused output at H·d and H·d + G·d and repeats KV heads with <c>repeat_kv</c>, so a merged checkpoint with
/// fewer KV heads and the matching <c>num_key_value_heads</c> is a standard Phi-3 GQA checkpoint.
/// </summary>
public sealed class Phi3Family : IModelFamily
{
    /// <summary>The one instance.</summary>
    public static Phi3Family Instance { get; } = new();

    private Phi3Family()
    {
    }

    /// <inheritdoc />
    public string Name => "phi3";

    /// <inheritdoc />
    public string Description => "fused qkv_proj rows [q (H·d); k (G·d); v (G·d)] and o_proj (Phi-3)";

    /// <inheritdoc />
    public IReadOnlyList<string> Architectures { get; } = ["Phi3ForCausalLM"];

    /// <inheritdoc />
    public IReadOnlyList<string> ModelTypes { get; } = ["phi3"];

    /// <inheritdoc />
    public bool HasKeyValueHeadCount => true;

    /// <summary><c>model.layers.{layer}.self_attn.qkv_proj.weight</c>, [(H + 2G)·d, D].</summary>
    public static string QkvWeight(int layer) => $"{LlamaTensorNames.LayerPrefix(layer)}self_attn.qkv_proj.weight";

    /// <summary><c>model.layers.{layer}.self_attn.qkv_proj.bias</c>, [(H + 2G)·d] (Phi-3 has none; read when present).</summary>
    public static string QkvBias(int layer) => $"{LlamaTensorNames.LayerPrefix(layer)}self_attn.qkv_proj.bias";

    /// <summary><c>model.layers.{layer}.mlp.gate_up_proj.weight</c>, [2·intermediate, D]: the gate rows, then the up rows.</summary>
    public static string GateUpWeight(int layer) => $"{LlamaTensorNames.LayerPrefix(layer)}mlp.gate_up_proj.weight";

    /// <inheritdoc />
    public IReadOnlyList<StoredProjection> QkvTensors(int layer, QcqaLayerMap map)
    {
        Preconditions.CheckNotNull(map);
        var blocks = Enumerable.Range(0, map.QueryToKv.Count).Select(h => new HeadBlock(QkvPart.Query, h))
            .Concat(Enumerable.Range(0, map.NumKeyValueHeads).Select(g => new HeadBlock(QkvPart.Key, g)))
            .Concat(Enumerable.Range(0, map.NumKeyValueHeads).Select(g => new HeadBlock(QkvPart.Value, g)))
            .ToArray();
        return [new(QkvWeight(layer), false, blocks), new(QkvBias(layer), true, blocks)];
    }

    /// <inheritdoc />
    public string OutputName(int layer) => LlamaTensorNames.OutputWeight(layer);

    /// <inheritdoc />
    public int RotaryDimensions(ModelConfig config)
    {
        Preconditions.CheckNotNull(config);
        var (_, fraction) = ConfigValues.Rope(config.ToJsonObject(), config.Path, "rope_theta", 10000.0, "partial_rotary_factor", 1.0);
        return ConfigValues.RotaryDimensions(config.HeadDim, fraction, config.Path);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Transformers' <c>Phi3Config</c> defaults where a key is absent (<c>rms_norm_eps</c> 1e-5, <c>rope_theta</c> 10000,
    /// <c>partial_rotary_factor</c> 1, <c>max_position_embeddings</c> 4096, no sliding window). The fused
    /// <c>gate_up_proj</c> is read as the gate rows [0, I) and the up rows [I, 2I). Refused: <c>rope_scaling</c>
    /// (Phi-3's long-context "longrope"), a <c>hidden_act</c> other than <c>silu</c>.
    /// </remarks>
    public DecoderArchitecture Decoder(Checkpoint checkpoint)
    {
        Preconditions.CheckNotNull(checkpoint);
        var config = checkpoint.Config;
        var json = config.ToJsonObject();
        var path = config.Path;
        ConfigValues.RequireActivation(json, path, "silu", "Phi-3");
        var (theta, _) = ConfigValues.Rope(json, path, "rope_theta", 10000.0, "partial_rotary_factor", 1.0);
        var tied = ConfigValues.Boolean(json, "tie_word_embeddings", path) ?? false;
        var intermediate = ConfigValues.RequiredInteger(json, "intermediate_size", path);

        var weights = new Dictionary<string, TensorRows>(StringComparer.Ordinal);
        void Same(string name) => weights[name] = TensorRows.Whole(name);
        Same(LlamaTensorNames.EmbedTokens);
        var outputBias = checkpoint.TryGetTensor(LlamaTensorNames.OutputBias(0), out _);
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            Same(LlamaTensorNames.InputLayerNorm(layer));
            Same(LlamaTensorNames.PostAttentionLayerNorm(layer));
            weights[LlamaTensorNames.GateWeight(layer)] = new TensorRows(GateUpWeight(layer), 0, intermediate);
            weights[LlamaTensorNames.UpWeight(layer)] = new TensorRows(GateUpWeight(layer), intermediate, intermediate);
            Same(LlamaTensorNames.DownWeight(layer));
            if (outputBias) Same(LlamaTensorNames.OutputBias(layer));
        }
        Same(LlamaTensorNames.FinalNorm);
        if (!tied) Same(LlamaTensorNames.LmHead);

        return new DecoderArchitecture
        {
            VocabSize = ConfigValues.RequiredInteger(json, "vocab_size", path),
            IntermediateSize = intermediate,
            Norm = NormKind.Rms,
            NormEpsilon = ConfigValues.PositiveNumber(json, "rms_norm_eps", path) ?? 1e-5,
            Mlp = MlpKind.GatedSilu,
            ParallelResidual = false,
            RopeTheta = theta,
            RotaryDimensions = RotaryDimensions(config),
            MaxPositionEmbeddings = ConfigValues.PositiveInteger(json, "max_position_embeddings", path) ?? 4096,
            SlidingWindow = ConfigValues.OptionalPositiveInteger(json, "sliding_window", path),
            TieWordEmbeddings = tied,
            QkvBias = checkpoint.Attention(0).QueryBias is not null,
            OutputBias = outputBias,
            Weights = weights,
            Ignorable = name => name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) || (tied && name == LlamaTensorNames.LmHead),
        };
    }
}

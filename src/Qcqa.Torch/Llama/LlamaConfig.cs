using Qcqa.Core.Diagnostics;
using Qcqa.Core.Families;

namespace Qcqa.Torch.Llama;

/// <summary>
/// The Hugging Face Llama hyper-parameters the reference model needs (names follow <c>config.json</c>), plus an
/// optional per-layer attention layout for checkpoints whose layers keep different numbers of KV heads, and the few
/// switches that make the same decoder run Phi-3 (partial rotary, sliding window) and GPT-NeoX (LayerNorm, GELU MLP with
/// biases, parallel residual, partial rotary). The defaults are Llama's.
/// </summary>
/// <remarks>RoPE scaling (<c>rope_scaling</c>, e.g. Llama 3.1's) is not supported.</remarks>
public sealed record LlamaConfig
{
    /// <summary><c>vocab_size</c>.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>hidden_size</c> (model width D).</summary>
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c> of the SwiGLU MLP.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c> (query heads H).</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>; null means MHA. Ignored for layers described by <see cref="LayerLayouts"/>.</summary>
    public int? NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c>; null means <see cref="HiddenSize"/> / <see cref="NumAttentionHeads"/>.</summary>
    public int? HeadDim { get; init; }

    /// <summary>The norms' epsilon: <c>rms_norm_eps</c> (or <c>layer_norm_eps</c> when <see cref="Norm"/> is LayerNorm).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>RMSNorm (Llama, Phi-3) or LayerNorm with a bias (GPT-NeoX), for every norm of the model.</summary>
    public NormKind Norm { get; init; } = NormKind.Rms;

    /// <summary>Llama's gated SiLU MLP without biases, or GPT-NeoX's GELU MLP with biases.</summary>
    public MlpKind Mlp { get; init; } = MlpKind.GatedSilu;

    /// <summary>GPT-NeoX's parallel residual: x + attn(norm₁(x)) + mlp(norm₂(x)).</summary>
    public bool ParallelResidual { get; init; }

    /// <summary>The leading dimensions of each head that RoPE rotates (even); null rotates all of them.</summary>
    public int? RotaryDimensions { get; init; }

    /// <summary>Each token attends to at most this many positions, itself included (Phi-3's <c>sliding_window</c>); null for none.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary><c>rope_theta</c>, the RoPE base.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary><c>max_position_embeddings</c>; generation refuses to run past it.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary><c>tie_word_embeddings</c>: the output projection reuses <c>model.embed_tokens.weight</c>.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary><c>attention_bias</c>: the q/k/v projections have biases (which QCQA merges with the K/V heads).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>
    /// Whether <c>o_proj</c> has a bias. Null follows Transformers' Llama, where <c>attention_bias</c> adds one to
    /// o_proj as well; set false for checkpoints with q/k/v biases only (Qwen2-style).
    /// </summary>
    public bool? OutputProjectionBias { get; init; }

    /// <summary>Whether <c>o_proj</c> has a bias, after applying the default.</summary>
    public bool HasOutputProjectionBias => OutputProjectionBias ?? AttentionBias;

    /// <summary>Per-layer attention layouts (QCQA output); null means every layer follows <see cref="NumKeyValueHeads"/>.</summary>
    public IReadOnlyList<AttentionLayout>? LayerLayouts { get; init; }

    /// <summary>The head size d actually used.</summary>
    public int ResolvedHeadDim => HeadDim ?? HiddenSize / NumAttentionHeads;

    /// <summary>The rotated dimensions actually used.</summary>
    public int ResolvedRotaryDimensions => RotaryDimensions ?? ResolvedHeadDim;

    /// <summary>The attention layout of layer <paramref name="layer"/>.</summary>
    public AttentionLayout LayoutOf(int layer)
    {
        Preconditions.CheckRange(layer, 0, NumHiddenLayers - 1);
        if (LayerLayouts is not null) return LayerLayouts[layer];
        return AttentionLayout.RepeatKv(NumAttentionHeads, NumKeyValueHeads ?? NumAttentionHeads);
    }

    /// <summary>Checks that the numbers are positive and consistent.</summary>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.BadModelConfig"/> naming the first inconsistency.</exception>
    public void Validate()
    {
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (HeadDim is null && HiddenSize % NumAttentionHeads != 0)
            Fail($"hidden_size ({HiddenSize}) is not divisible by num_attention_heads ({NumAttentionHeads}); set head_dim.");
        Positive(ResolvedHeadDim, "head_dim");
        if (ResolvedRotaryDimensions % 2 != 0 || ResolvedRotaryDimensions <= 0 || ResolvedRotaryDimensions > ResolvedHeadDim)
            Fail($"RoPE must rotate an even, positive number of each head's {ResolvedHeadDim} dimensions (got {ResolvedRotaryDimensions}).");
        if (SlidingWindow is <= 0) Fail($"sliding_window ({SlidingWindow}) must be positive.");
        if (!(RmsNormEps > 0) || !double.IsFinite(RmsNormEps)) Fail($"rms_norm_eps ({RmsNormEps}) must be a positive number.");
        if (!(RopeTheta > 0) || !double.IsFinite(RopeTheta)) Fail($"rope_theta ({RopeTheta}) must be a positive number.");

        if (LayerLayouts is null)
        {
            _ = LayoutOf(0); // validates num_key_value_heads against num_attention_heads
            return;
        }
        if (LayerLayouts.Count != NumHiddenLayers)
            Fail($"The per-layer attention layout lists {LayerLayouts.Count} layers but num_hidden_layers is {NumHiddenLayers}.");
        for (var i = 0; i < LayerLayouts.Count; i++)
        {
            if (LayerLayouts[i] is null) Fail($"Layer {i} has no attention layout.");
            if (LayerLayouts[i].QueryHeads != NumAttentionHeads)
                Fail($"Layer {i}'s query_to_kv has {LayerLayouts[i].QueryHeads} entries but num_attention_heads is {NumAttentionHeads}.");
        }
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) Fail($"{name} must be positive (got {value}).");
    }

    private static void Fail(string message) => throw new QcqaException(ErrorCodes.BadModelConfig, message);
}

namespace Qcqa.Core.Families;

/// <summary>
/// Everything around the attention projections that a runtime needs to run a model of a family, read from
/// <c>config.json</c> with the family's own keys and defaults: the norms, the MLP, the residual wiring, RoPE, and where
/// each non-attention weight is stored. The weights are keyed by the runtime's Llama-style parameter names
/// (<c>model.layers.3.mlp.up_proj.weight</c>), so one runtime serves every family; the attention's Q/K/V/O come from
/// <see cref="Checkpoints.Checkpoint.Attention"/>.
/// </summary>
public sealed record DecoderArchitecture
{
    /// <summary><c>vocab_size</c>.</summary>
    public required int VocabSize { get; init; }

    /// <summary>The MLP's inner width (<c>intermediate_size</c>).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>The norm of every layer and the final norm.</summary>
    public required NormKind Norm { get; init; }

    /// <summary>The norms' epsilon (<c>rms_norm_eps</c>, <c>layer_norm_eps</c>).</summary>
    public required double NormEpsilon { get; init; }

    /// <summary>The feed-forward block.</summary>
    public required MlpKind Mlp { get; init; }

    /// <summary>x + attn(norm₁(x)) + mlp(norm₂(x)) instead of h = x + attn(norm₁(x)); h + mlp(norm₂(h)) (GPT-NeoX's <c>use_parallel_residual</c>).</summary>
    public required bool ParallelResidual { get; init; }

    /// <summary>The RoPE base θ.</summary>
    public required double RopeTheta { get; init; }

    /// <summary>
    /// How many leading dimensions of each head RoPE rotates (even, at most head_dim): head_dim × <c>rotary_pct</c>
    /// (GPT-NeoX) or × <c>partial_rotary_factor</c> (Phi-3); the rest pass unrotated.
    /// </summary>
    public required int RotaryDimensions { get; init; }

    /// <summary><c>max_position_embeddings</c>.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>Each token attends to at most this many positions, itself included (<c>sliding_window</c>); null for none.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary><c>tie_word_embeddings</c>: the output projection is the token embedding.</summary>
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>Whether the query, key and value projections have biases (read from <see cref="Checkpoints.AttentionTensors"/>).</summary>
    public required bool QkvBias { get; init; }

    /// <summary>Whether the output projection has a bias (stored under <c>…o_proj.bias</c> in <see cref="Weights"/>).</summary>
    public required bool OutputBias { get; init; }

    /// <summary>
    /// Every weight outside the Q/K/V/O projections, by runtime name: the embedding, the norms, the MLP, the final norm,
    /// the output head (unless tied), and the output projection's bias when there is one.
    /// </summary>
    public required IReadOnlyDictionary<string, TensorRows> Weights { get; init; }

    /// <summary>Stored tensors the runtime does not need, e.g. RoPE tables and mask buffers derived from the config.</summary>
    public required Func<string, bool> Ignorable { get; init; }
}

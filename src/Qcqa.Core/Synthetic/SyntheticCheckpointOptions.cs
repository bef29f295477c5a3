using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Synthetic;

/// <summary>Shape and content of a synthetic Llama-family checkpoint (see <see cref="SyntheticLlamaCheckpoint"/>).</summary>
public sealed record SyntheticCheckpointOptions
{
    /// <summary>Decoder layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Query heads per layer (H).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>KV heads per layer; null means multi-head attention (equal to <see cref="Heads"/>). Must divide H.</summary>
    public int? KvHeads { get; init; }

    /// <summary>Size of one head (d); need not be a power of two or hidden / heads.</summary>
    public int HeadDim { get; init; } = 8;

    /// <summary>Model width (D).</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>MLP width.</summary>
    public int Intermediate { get; init; } = 64;

    /// <summary>Vocabulary size.</summary>
    public int Vocab { get; init; } = 64;

    /// <summary>Stored dtype of every tensor: F32, F16 or BF16 (F64 also works, though no real model uses it).</summary>
    public SafetensorsDtype Dtype { get; init; } = SafetensorsDtype.F32;

    /// <summary>Write q/k/v/o biases (<c>attention_bias: true</c>, as Hugging Face's Llama expects).</summary>
    public bool Biases { get; init; }

    /// <summary>Number of weight files; more than one writes shards and <c>model.safetensors.index.json</c>.</summary>
    public int Shards { get; init; } = 1;

    /// <summary>Write only the attention tensors (for scale benchmarks; such a folder is not a runnable model).</summary>
    public bool AttentionOnly { get; init; }

    /// <summary>
    /// When set, each layer's KV heads are drawn around this many hidden cluster centres (balanced, in shuffled
    /// positions), so there is a good grouping to find; null draws every head independently.
    /// </summary>
    public int? Clusters { get; init; }

    /// <summary>Spread of a clustered head around its centre, relative to <see cref="WeightStd"/>.</summary>
    public double ClusterNoise { get; init; } = 0.1;

    /// <summary>Standard deviation of the random weights (norm weights are 1).</summary>
    public double WeightStd { get; init; } = 0.02;

    /// <summary>Seed: the same options give byte-identical folders.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Also write tokenizer-like files (<c>tokenizer.json</c> and friends) that a merge must copy.</summary>
    public bool ExtraFiles { get; init; } = true;

    /// <summary>KV heads per layer after applying the MHA default.</summary>
    public int EffectiveKvHeads => KvHeads ?? Heads;

    /// <summary>Llama-2-7B attention shapes (32 layers × 32 heads × 128, width 4096), BF16, attention tensors only (~4.3 GB).</summary>
    public static SyntheticCheckpointOptions Llama2_7BAttentionOnly => new()
    {
        Layers = 32,
        Heads = 32,
        HeadDim = 128,
        Hidden = 4096,
        Intermediate = 11008,
        Vocab = 32000,
        Dtype = SafetensorsDtype.BF16,
        AttentionOnly = true,
        ExtraFiles = true,
    };

    /// <summary>
    /// A whole Llama-2-7B-shaped model (32 layers × 32 heads of 128, width 4096, MLP 11008, vocabulary 32000, BF16, three
    /// shards, ~13.5 GB) with a byte-level <c>tokenizer.json</c>: runnable, for measuring every stage at the paper's scale.
    /// </summary>
    public static SyntheticCheckpointOptions Llama2_7B => Llama2_7BAttentionOnly with { AttentionOnly = false, Shards = 3 };

    /// <summary>Checks that the options describe a valid model.</summary>
    /// <exception cref="ArgumentException">A size is not positive, KV heads do not divide heads, or clusters are out of range.</exception>
    public void Validate()
    {
        foreach (var (value, name) in new[] { (Layers, nameof(Layers)), (Heads, nameof(Heads)), (EffectiveKvHeads, nameof(KvHeads)), (HeadDim, nameof(HeadDim)),
                     (Hidden, nameof(Hidden)), (Intermediate, nameof(Intermediate)), (Vocab, nameof(Vocab)), (Shards, nameof(Shards)) })
            Preconditions.CheckArgument(value > 0, $"{name} must be positive, not {value}.", name);
        Preconditions.CheckArgument(Heads % EffectiveKvHeads == 0, $"KvHeads ({EffectiveKvHeads}) must divide Heads ({Heads}).", nameof(KvHeads));
        Preconditions.CheckArgument(Dtype.IsConvertible(), $"Dtype must be a float type, not {Dtype.Name()}.", nameof(Dtype));
        Preconditions.CheckArgument(Clusters is null || (Clusters > 0 && Clusters <= EffectiveKvHeads), $"Clusters must be in 1..{EffectiveKvHeads}.", nameof(Clusters));
        Preconditions.CheckArgument(double.IsFinite(WeightStd) && WeightStd > 0, "WeightStd must be positive.", nameof(WeightStd));
        Preconditions.CheckArgument(double.IsFinite(ClusterNoise) && ClusterNoise >= 0, "ClusterNoise must be non-negative.", nameof(ClusterNoise));
    }
}

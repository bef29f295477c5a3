using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// Rotary position embeddings in Transformers' convention: inv_freq_i = 1 / θ^(2i/d) for i &lt; d/2, angles
/// pos · inv_freq duplicated over both halves of the head, and x·cos + rotate_half(x)·sin where
/// rotate_half([x₁, x₂]) = [−x₂, x₁] (halves, not interleaved pairs). Computed in float32 with the same operations
/// as Transformers so the tables agree bit for bit on the same libtorch. With partial rotary (GPT-NeoX's
/// <c>rotary_pct</c>, Phi-3's <c>partial_rotary_factor</c>) the tables cover the first r &lt; d dimensions of a head,
/// d being replaced by r above, and the other d − r dimensions pass through unrotated.
/// </summary>
public sealed class RotaryEmbedding : nn.Module
{
    /// <summary>Creates the table generator for one head size.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="headDim">The dimensions rotated: the head size d, or r &lt; d for partial rotary (even).</param>
    /// <param name="theta">RoPE base θ (<c>rope_theta</c>).</param>
    /// <param name="device">Where the tables are produced.</param>
    public RotaryEmbedding(string name, int headDim, double theta, Device device) : base(name)
    {
        HeadDim = headDim;
        using var scope = NewDisposeScope();
        var exponent = arange(0, headDim, 2, ScalarType.Int64, device).to_type(ScalarType.Float32) / headDim;
        var inverse = full(new long[] { headDim / 2 }, theta, ScalarType.Float32, device).pow(exponent).reciprocal();
        // Not persistent: it is derived from the config, and Hugging Face checkpoints do not carry it.
        register_buffer("inv_freq", inverse.DetachFromDisposeScope(), persistent: false);
    }

    /// <summary>The dimensions rotated (the head size, or fewer with partial rotary).</summary>
    public int HeadDim { get; }

    /// <summary>1 / θ^(2i/d), [d/2].</summary>
    public Tensor InverseFrequencies => get_buffer("inv_freq")!;

    /// <summary>Cosine and sine tables for positions start … start+length−1.</summary>
    /// <returns>Each [length, head_dim].</returns>
    public (Tensor Cos, Tensor Sin) Tables(long start, long length)
    {
        using var scope = NewDisposeScope();
        var inverse = InverseFrequencies;
        var positions = Scalars.Range(start, start + length, inverse.device).to_type(ScalarType.Float32);
        var angles = outer(positions, inverse);
        var both = cat(new[] { angles, angles }, -1);
        return (both.cos().MoveToOuterDisposeScope(), both.sin().MoveToOuterDisposeScope());
    }

    /// <summary>Rotates queries or keys by their positions: the first r dimensions of each head, r being the tables' width.</summary>
    /// <param name="x">[batch, heads, seq, head_dim]</param>
    /// <param name="cos">[seq, r]</param>
    /// <param name="sin">[seq, r]</param>
    /// <returns>[batch, heads, seq, head_dim]</returns>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var rotary = cos.shape[^1];
        if (rotary == x.shape[^1]) return Scalars.Add(x * cos, RotateHalf(x) * sin).MoveToOuterDisposeScope();
        var rotated = x.narrow(-1, 0, rotary);
        var passed = x.narrow(-1, rotary, x.shape[^1] - rotary);
        return cat(new[] { Scalars.Add(rotated * cos, RotateHalf(rotated) * sin), passed }, -1).MoveToOuterDisposeScope();
    }

    /// <summary>[x₁, x₂] → [−x₂, x₁] over the last dimension split in halves.</summary>
    /// <param name="x">[..., head_dim]</param>
    public static Tensor RotateHalf(Tensor x)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        return cat(new[] { second.neg(), first }, -1).MoveToOuterDisposeScope();
    }
}

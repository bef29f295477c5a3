using System.Text.RegularExpressions;
using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Streaming;

/// <summary>
/// Peak-memory estimates of the runtime's passes, from the shapes alone, in bytes of float32. They are upper
/// bounds of what libtorch allocates at once (weights, carried hidden states, one layer's activations, one batch's
/// logits), so that a pass sized by them fits the memory limit; the process's own overhead (the .NET runtime,
/// libtorch's code, about 0.5 GB) is added once.
/// </summary>
public static partial class MemoryPlanner
{
    /// <summary>The runtime's own footprint beside the tensors.</summary>
    public const long RuntimeOverheadBytes = 600_000_000;

    private const long Float = sizeof(float);

    /// <summary>The largest decoder layer's parameters in float32.</summary>
    public static long LayerBytes(LlamaConfig config)
    {
        var perLayer = new long[config.NumHiddenLayers];
        foreach (var (name, shape) in LlamaWeightShapes.Expected(config))
        {
            var match = LayerName().Match(name);
            if (match.Success) perLayer[int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] += Elements(shape) * Float;
        }
        return perLayer.Length == 0 ? 0 : perLayer.Max();
    }

    /// <summary>Every parameter of the model in float32.</summary>
    public static long ModelBytes(LlamaConfig config) => LlamaWeightShapes.Expected(config).Sum(e => Elements(e.Value)) * Float;

    /// <summary>The output projection (the embedding table when tied), [vocab, hidden], float32.</summary>
    public static long HeadBytes(LlamaConfig config) => (long)config.VocabSize * config.HiddenSize * Float;

    /// <summary>
    /// What one layer's forward over a [batch, seq] block allocates beside its input: normed input, Q/K/V and their
    /// rotated and head-expanded copies, the attention scores (the CPU kernel materialises them), the attention
    /// output, the MLP's three intermediates and the output.
    /// </summary>
    public static long LayerActivationBytes(LlamaConfig config, long batch, long seq)
    {
        long tokens = batch * seq, d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.ResolvedHeadDim;
        var projections = tokens * (3 * d + 5 * q);
        var scores = 2 * batch * config.NumAttentionHeads * seq * seq;
        var mlp = 3 * tokens * config.IntermediateSize;
        return (projections + scores + mlp) * Float;
    }

    /// <summary>The logits of a [batch, seq] block and their log-softmax.</summary>
    public static long LogitBytes(LlamaConfig config, long batch, long seq) => 2 * batch * seq * config.VocabSize * Float;

    /// <summary>The hidden states a pass over <paramref name="tokens"/> tokens carries between layers (in and out of a layer).</summary>
    public static long CarriedBytes(LlamaConfig config, long tokens) => 2 * tokens * config.HiddenSize * Float;

    /// <summary>The weights a pass holds at once: all layers when resident, one otherwise; plus the head and the final norm.</summary>
    public static long WeightBytes(LlamaConfig config, bool resident)
        => (resident ? ModelBytes(config) : LayerBytes(config) + HeadBytes(config) + 2 * config.HiddenSize * Float);

    /// <summary>
    /// The most tokens one layer-streamed pass can carry within <paramref name="limit"/>, given the fixed part of
    /// its peak; at least one batch.
    /// </summary>
    public static long TokensPerPass(LlamaConfig config, MemoryLimit limit, long fixedBytes, long batchTokens)
    {
        var room = limit.Bytes - fixedBytes;
        var perToken = 2 * config.HiddenSize * Float;
        return Math.Max(batchTokens, room / perToken / batchTokens * batchTokens);
    }

    /// <summary>Whether all layers stay resident under <paramref name="limit"/>: the whole model in float32 takes at most half of it.</summary>
    public static bool StaysResident(LlamaConfig config, MemoryLimit limit) => ModelBytes(config) <= limit.Bytes / 2;

    /// <summary>The largest batch of at most <paramref name="start"/> windows, halving, whose <paramref name="bytesOf"/> stays under <paramref name="limit"/> (at least 1).</summary>
    public static int LargestBatch(int start, long limit, Func<long, long> bytesOf)
    {
        ArgumentNullException.ThrowIfNull(bytesOf);
        var batch = Math.Max(1, start);
        while (batch > 1 && bytesOf(batch) > limit) batch /= 2;
        return batch;
    }

    /// <summary>A breakdown for messages: "one decoder layer 809 MB + lm_head 524 MB + …".</summary>
    public static string Describe(params (string What, long Bytes)[] parts)
        => string.Join(" + ", parts.Where(p => p.Bytes > 0).Select(p => $"{p.What} {MemoryLimit.Format(p.Bytes)}"));

    private static long Elements(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    [GeneratedRegex(@"^model\.layers\.(\d+)\.")]
    private static partial Regex LayerName();
}

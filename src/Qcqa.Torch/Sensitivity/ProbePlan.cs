using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;

namespace Qcqa.Torch.Sensitivity;

/// <summary>
/// How the layer-cost probes (<see cref="StreamedLayerProbe"/>) fit the memory limit: whether the layers stay
/// resident, the windows per block of a layer's forward, and how many probes one pass over the layers carries.
/// </summary>
/// <param name="Residency">Resident when the whole model takes at most half of the limit; streamed otherwise.</param>
/// <param name="Batch">Windows per block.</param>
/// <param name="Capacity">Probes carried through one pass (each holds the residual stream of every probe token).</param>
/// <param name="PeakBytes">The planned peak with <paramref name="Capacity"/> probes carried.</param>
/// <param name="Breakdown">What the peak is made of, for messages and logs.</param>
public sealed record ProbePlan(LayerResidency Residency, int Batch, int Capacity, long PeakBytes, string Breakdown)
{
    // A block's activations and logits stay under this, so that the memory left carries probes.
    private const long BlockLimit = 3L << 29;

    /// <summary>Plans probes over <paramref name="tokens"/> tokens in windows of <paramref name="window"/>; refuses (QCQA061) when not even one probe fits.</summary>
    /// <param name="what">The stage, for the refusal ("Measuring layer costs of '…'").</param>
    /// <param name="config">The model.</param>
    /// <param name="tokens">Probe tokens (whole windows).</param>
    /// <param name="window">Tokens per window.</param>
    /// <param name="probes">Probes the build will ask for at most (the capacity is not planned beyond them); 0 when unknown.</param>
    /// <param name="limit">The memory limit.</param>
    /// <exception cref="Core.Diagnostics.QcqaException">QCQA061 naming the stage, the estimate and the limit.</exception>
    public static ProbePlan For(string what, LlamaConfig config, long tokens, int window, int probes, MemoryLimit limit)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(limit);
        var windows = (int)Math.Max(1, tokens / window);
        var batch = MemoryPlanner.LargestBatch(Math.Min(8, windows), BlockLimit, b => BlockBytes(config, b, window));
        var resident = MemoryPlanner.StaysResident(config, limit);
        var weights = MemoryPlanner.WeightBytes(config, resident);
        var reference = MemoryPlanner.LogitBytes(config, windows, window) / 2;
        var original = MemoryPlanner.CarriedBytes(config, tokens);
        var merge = AlignedLayerBytes(config);
        var block = BlockBytes(config, batch, window);
        var fixedBytes = MemoryPlanner.RuntimeOverheadBytes + weights + reference + original + merge + block;
        var perProbe = MemoryPlanner.CarriedBytes(config, tokens) / 2;
        var fitting = (limit.Bytes - fixedBytes) / Math.Max(1, perProbe);
        var capacity = (int)Math.Clamp(fitting, 1, probes > 0 ? probes : int.MaxValue);
        var peak = fixedBytes + capacity * perProbe;
        var breakdown = MemoryPlanner.Describe(
            (resident ? "all layers" : "one decoder layer", resident ? MemoryPlanner.ModelBytes(config) : MemoryPlanner.LayerBytes(config)),
            ("lm_head", resident ? 0 : MemoryPlanner.HeadBytes(config)),
            ($"reference distributions of {tokens:N0} tokens", reference),
            ("the original stream", original),
            ($"{capacity} probes' streams", capacity * perProbe),
            ("one layer's aligned merge in float64", merge),
            ($"one block of {batch}×{window} tokens", block),
            ("runtime", MemoryPlanner.RuntimeOverheadBytes));
        limit.Check(what, peak, breakdown, "Lower the calibration's probe_tokens, use allocation: gradient (one streamed forward and backward pass), or raise memory_limit.");
        return new ProbePlan(resident ? LayerResidency.Resident : LayerResidency.Streamed, batch, capacity, peak, breakdown);
    }

    // One block's forward activations, and its logits with their log-softmax and the divergence's temporaries.
    private static long BlockBytes(LlamaConfig config, long batch, long window)
        => MemoryPlanner.LayerActivationBytes(config, batch, window) + 2 * MemoryPlanner.LogitBytes(config, batch, window);

    // The aligned merge holds the layer's q/k/v/o in float64, the merged copies it returns, and the probe's saved
    // float32 projections: about three times the float64 attention.
    private static long AlignedLayerBytes(LlamaConfig config)
    {
        long d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.ResolvedHeadDim, kv = (long)(config.NumKeyValueHeads ?? config.NumAttentionHeads) * config.ResolvedHeadDim;
        return 3 * sizeof(double) * (2 * d * q + 2 * (d + 1) * kv + q);
    }
}

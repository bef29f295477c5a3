using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Streaming;

/// <summary>
/// How a forward pass over many tokens fits the memory limit: whether the layers stay resident, how many tokens
/// one layer-streamed pass carries, and the peak that gives.
/// </summary>
/// <param name="Residency">Resident when the whole model takes at most half of the limit; streamed otherwise.</param>
/// <param name="TokensPerPass">Tokens carried through the layers together.</param>
/// <param name="PeakBytes">The planned peak.</param>
/// <param name="Breakdown">What the peak is made of, for messages and logs.</param>
public sealed record PassPlan(LayerResidency Residency, long TokensPerPass, long PeakBytes, string Breakdown)
{
    /// <summary>Plans a pass over <paramref name="totalTokens"/> tokens in blocks of [<paramref name="batch"/>, <paramref name="seq"/>].</summary>
    /// <param name="config">The model.</param>
    /// <param name="limit">The memory limit.</param>
    /// <param name="batch">Windows per block.</param>
    /// <param name="seq">Tokens per window.</param>
    /// <param name="totalTokens">All the tokens to run.</param>
    /// <param name="withLogits">Whether each block's logits are computed (evaluation) or not (calibration).</param>
    /// <param name="extra">Memory the stage holds beside the pass (e.g. calibration moments), with its name.</param>
    /// <param name="singlePass">The stage needs every token in one pass (its statistics are per layer); the plan does not split it.</param>
    public static PassPlan For(LlamaConfig config, MemoryLimit limit, long batch, long seq, long totalTokens, bool withLogits,
        (string What, long Bytes) extra = default, bool singlePass = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(limit);
        var resident = MemoryPlanner.StaysResident(config, limit);
        var weights = MemoryPlanner.WeightBytes(config, resident);
        var activations = MemoryPlanner.LayerActivationBytes(config, batch, seq);
        var logits = withLogits ? MemoryPlanner.LogitBytes(config, batch, seq) : 0;
        var fixedBytes = MemoryPlanner.RuntimeOverheadBytes + weights + activations + logits + extra.Bytes;
        var block = batch * seq;
        var tokens = singlePass ? totalTokens
            : resident ? Math.Min(block, totalTokens)
            : Math.Min(Math.Max(block, totalTokens), MemoryPlanner.TokensPerPass(config, limit, fixedBytes, block));
        var carried = MemoryPlanner.CarriedBytes(config, tokens);
        var breakdown = MemoryPlanner.Describe(
            (resident ? "all layers" : "one decoder layer", resident ? MemoryPlanner.ModelBytes(config) : MemoryPlanner.LayerBytes(config)),
            ("lm_head", resident ? 0 : MemoryPlanner.HeadBytes(config)),
            ($"hidden states of {tokens:N0} tokens", carried),
            ($"one layer's activations for {batch}×{seq} tokens", activations),
            ("logits", logits),
            (extra.What ?? "", extra.Bytes),
            ("runtime", MemoryPlanner.RuntimeOverheadBytes));
        return new PassPlan(resident ? LayerResidency.Resident : LayerResidency.Streamed, tokens, fixedBytes + carried, breakdown);
    }
}

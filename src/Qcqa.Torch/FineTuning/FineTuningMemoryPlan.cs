using Qcqa.Core.FineTuning;
using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// The peak memory of each fine-tuning mode, from the shapes alone (float32 throughout, as training runs), and the
/// choice <c>auto</c> makes between them. Estimates are upper bounds in the spirit of <see cref="MemoryPlanner"/>:
/// what libtorch holds at once at the worst moment of a step, plus the runtime's own overhead.
/// </summary>
/// <remarks>
/// End-to-end: the model (and a distillation teacher), the trained tensors' gradients and AdamW's two moments, every
/// layer's activations kept for the backward pass, and the logits with their log-softmax and gradient. Layer-wise:
/// the original and the merged copy of one layer, the trained tensors of that layer with gradients and moments, its
/// activations twice (forward and backward of one batch), and the residual streams it carries over every training
/// token — the original's input, the target (the original's output) and the merged model's input.
/// </remarks>
public static class FineTuningMemoryPlan
{
    private const long Float = sizeof(float);

    /// <summary>The planned peak of end-to-end training and what it is made of.</summary>
    /// <param name="config">The model (the original's config is an upper bound of a merged one's).</param>
    /// <param name="settings">The recipe (batch, window, loss, parameters).</param>
    public static (long Bytes, string Breakdown) EndToEnd(LlamaConfig config, FineTuningSettings settings)
    {
        Preconditions.CheckNotNull(config);
        Preconditions.CheckNotNull(settings);
        long batch = settings.WindowsPerStep, seq = settings.SequenceLength;
        var model = MemoryPlanner.ModelBytes(config);
        var teacher = settings.Loss == FineTuningLoss.Distillation ? model : 0;
        var trained = settings.Parameters == TrainableParameters.All ? model : AttentionBytes(config) * config.NumHiddenLayers;
        var activations = MemoryPlanner.LayerActivationBytes(config, batch, seq) * config.NumHiddenLayers + MemoryPlanner.CarriedBytes(config, batch * seq);
        // Logits, their log-softmax and its gradient (a teacher's log-probabilities besides, for distillation).
        var logits = (settings.Loss == FineTuningLoss.Distillation ? 4 : 3) * batch * seq * config.VocabSize * Float;
        var total = MemoryPlanner.RuntimeOverheadBytes + model + teacher + 3 * trained + activations + logits;
        return (total, MemoryPlanner.Describe(
            ("the model", model), ("the teacher", teacher), ("gradients", trained), ("AdamW moments", 2 * trained),
            ($"activations of {config.NumHiddenLayers} layers for {batch}×{seq} tokens", activations), ("logits", logits),
            ("runtime", MemoryPlanner.RuntimeOverheadBytes)));
    }

    /// <summary>The planned peak of layer-wise training and what it is made of.</summary>
    /// <param name="config">The model.</param>
    /// <param name="settings">The recipe; every planned step's tokens are carried.</param>
    public static (long Bytes, string Breakdown) LayerWise(LlamaConfig config, FineTuningSettings settings)
    {
        Preconditions.CheckNotNull(config);
        Preconditions.CheckNotNull(settings);
        long batch = settings.WindowsPerStep, seq = settings.SequenceLength;
        var tokens = (long)settings.PlannedSteps * settings.BatchTokens;
        var layer = MemoryPlanner.LayerBytes(config);
        var trained = settings.Parameters == TrainableParameters.All ? layer : AttentionBytes(config);
        var streams = 3 * tokens * config.HiddenSize * Float;
        // The step's batch is backpropagated in parts (LayerwisePartTokens): one part's activations at a time.
        long part = settings.LayerwisePartWindows;
        var activations = 2 * MemoryPlanner.LayerActivationBytes(config, part, seq);
        var total = MemoryPlanner.RuntimeOverheadBytes + 2 * layer + 3 * trained + streams + activations;
        return (total, MemoryPlanner.Describe(
            ("the original and the merged decoder layer", 2 * layer), ("gradients", trained), ("AdamW moments", 2 * trained),
            ($"3 residual streams of {tokens:N0} tokens", streams), ($"one layer's forward and backward for {part}×{seq} tokens", activations),
            ("runtime", MemoryPlanner.RuntimeOverheadBytes)));
    }

    /// <summary>
    /// The mode a run takes: <paramref name="mode"/> itself, or for <see cref="FineTuneMode.Auto"/> end-to-end when it
    /// fits <paramref name="memory"/> and layer-wise otherwise; refused (QCQA061) when the chosen mode does not fit.
    /// </summary>
    /// <param name="config">The model.</param>
    /// <param name="settings">The recipe.</param>
    /// <param name="mode">The spec's mode.</param>
    /// <param name="memory">The limit.</param>
    /// <returns>End-to-end or layer-wise.</returns>
    /// <exception cref="Core.Diagnostics.QcqaException">QCQA061 naming the run, the mode, the estimate and the limit.</exception>
    public static FineTuneMode Choose(LlamaConfig config, FineTuningSettings settings, FineTuneMode mode, MemoryLimit memory)
    {
        Preconditions.CheckNotNull(memory);
        var endToEnd = EndToEnd(config, settings);
        var resolved = mode switch
        {
            FineTuneMode.Auto => endToEnd.Bytes <= memory.Bytes ? FineTuneMode.EndToEnd : FineTuneMode.LayerWise,
            _ => mode,
        };
        if (resolved == FineTuneMode.EndToEnd)
        {
            memory.Check($"{settings.Subject} (end-to-end)", endToEnd.Bytes, endToEnd.Breakdown,
                "Use finetune.mode: layerwise (or auto), which keeps one decoder layer resident, or raise memory_limit.");
            return resolved;
        }
        var layerWise = LayerWise(config, settings);
        memory.Check($"{settings.Subject} (layer-wise{(mode == FineTuneMode.Auto ? ", chosen because end-to-end needs about " + MemoryLimit.Format(endToEnd.Bytes) : "")})",
            layerWise.Bytes, layerWise.Breakdown, "Train on fewer tokens (finetune.tokens or steps), or raise memory_limit.");
        return resolved;
    }

    // One layer's q/k/v/o projections (the query width throughout: an upper bound for a merged layer's K/V).
    private static long AttentionBytes(LlamaConfig config)
    {
        long d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.ResolvedHeadDim;
        return 4 * d * q * Float;
    }
}

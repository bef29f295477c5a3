using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.Sensitivity;

/// <summary>
/// How much the model's next-token distribution moves per unit of error in each layer's attention output, from one
/// layer-streamed forward pass and one backward pass: the cost of stage 2 does not grow with layers × candidates.
/// </summary>
/// <remarks>
/// <para>A small change δ of layer l's attention output costs KL ≈ ½ δᵀ F δ, F the Fisher information of the
/// output. With labels y sampled from the model itself, g = ∂ log p(y)/∂a_l has E[g gᵀ] = F; taking F ≈ (E‖g‖²/D)·I
/// per token gives KL per token ≈ ½ (E_t‖g_t‖² / D) · E_t‖δ_t‖², and E‖δ‖² is what the aligned merge's error measures
/// (the attention-output error, weighted by the calibration's input moment). So each layer gets one number,
/// s_l = ½ E_t‖g_t‖² / D, and a front point's cost is s_l times its aligned error.</para>
/// <para>The backward pass is layer by layer: each layer is loaded once more, recomputed from the residual stream the
/// forward pass stored at its input, with a zero probe added to its attention output whose gradient is g.</para>
/// </remarks>
public static class GradientSensitivity
{
    /// <summary>The seed of the sampled labels: the same text always gives the same sensitivities.</summary>
    public const ulong LabelSeed = 0x9E37_79B9;

    /// <summary>s_l for every layer, in nats per unit of mean squared attention-output error.</summary>
    /// <param name="decoder">The original model, resident or streamed.</param>
    /// <param name="tokens">Probe tokens (at least one window).</param>
    /// <param name="window">Tokens per window (each window starts at position 0).</param>
    /// <param name="batchSize">Windows per forward and backward block (only speed and memory depend on it).</param>
    /// <param name="cancellation">Checked between layers.</param>
    /// <exception cref="ArgumentException">Fewer tokens than one window.</exception>
    public static double[] Measure(StreamedDecoder decoder, IReadOnlyList<long> tokens, int window, int batchSize, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(tokens);
        var windows = tokens.Count / window;
        if (windows < 1) throw new ArgumentException($"The gradient probe needs at least one window of {window} tokens; got {tokens.Count}.", nameof(tokens));
        var config = decoder.Config;
        var layers = config.NumHiddenLayers;
        using var scope = NewDisposeScope();
        var batches = new List<Tensor>();
        for (var first = 0; first < windows; first += batchSize)
        {
            var count = Math.Min(batchSize, windows - first);
            batches.Add(tensor(tokens.Skip(first * window).Take(count * window).ToArray(), ScalarType.Int64).reshape(count, window));
        }

        var residuals = decoder.Residuals(batches, cancellation);
        var gradients = new Tensor?[batches.Count];
        try
        {
            var generator = new Generator(LabelSeed, CPU);
            using (Freeze(decoder.Weights.FinalNorm.parameters().Append(decoder.Weights.HeadWeight)))
                for (var b = 0; b < batches.Count; b++) gradients[b] = OutputGradient(decoder, residuals[layers][b], generator);

            var sensitivities = new double[layers];
            using var probe = new OutputProbe();
            for (var layer = layers - 1; layer >= 0; layer--)
            {
                cancellation.ThrowIfCancellationRequested();
                using var lease = decoder.Weights.Layer(layer);
                using var frozen = Freeze(lease.Layer.parameters());
                double squares = 0;
                for (var b = 0; b < batches.Count; b++)
                {
                    using var inner = NewDisposeScope();
                    var input = residuals[layer][b].detach().requires_grad_(true);
                    var (cos, sin) = decoder.Rotary.Tables(0, input.shape[1]);
                    var output = lease.Layer.Forward(input, cos, sin, null, probe);
                    output.backward([gradients[b]!]);
                    squares += probe.Probe!.grad!.square().sum().to_type(ScalarType.Float64).item<double>();
                    var upstream = input.grad!.detach().clone().DetachFromDisposeScope();
                    gradients[b]!.Dispose();
                    gradients[b] = upstream;
                    residuals[layer + 1][b].Dispose();
                }
                sensitivities[layer] = 0.5 * squares / ((double)windows * window * config.HiddenSize);
            }
            return sensitivities;
        }
        finally
        {
            foreach (var row in residuals) foreach (var t in row) t.Dispose();
            foreach (var g in gradients) g?.Dispose();
        }
    }

    // ∂ Σ_t log p(y_t) / ∂h for the stream h leaving the last layer, y_t drawn from the model's own distribution.
    private static Tensor OutputGradient(StreamedDecoder decoder, Tensor last, Generator generator)
    {
        using var scope = NewDisposeScope();
        var h = last.detach().requires_grad_(true);
        var logProbabilities = decoder.Logits(decoder.Weights.FinalNorm.forward(h)).log_softmax(-1);
        Tensor labels;
        using (no_grad())
        {
            var vocab = logProbabilities.shape[^1];
            labels = logProbabilities.detach().exp().reshape(-1, vocab).cpu().multinomial(1, generator: generator)
                .reshape(h.shape[0], h.shape[1], 1).to(h.device);
        }
        logProbabilities.gather(2, labels).sum().backward();
        return h.grad!.detach().clone().DetachFromDisposeScope();
    }

    // Parameters need no gradient here; turning it off saves computing (and holding) a gradient as large as the layer.
    private static IDisposable Freeze(IEnumerable<Tensor> parameters)
    {
        var frozen = parameters.Where(p => p.requires_grad).ToList();
        foreach (var p in frozen) p.requires_grad_(false);
        return new Restore(frozen);
    }

    private sealed class Restore(List<Tensor> parameters) : IDisposable
    {
        public void Dispose()
        {
            foreach (var p in parameters) p.requires_grad_(true);
        }
    }

    // Adds a zero tensor that requires a gradient to the attention output: its gradient is ∂objective/∂a_l.
    private sealed class OutputProbe : IAttentionObserver, IDisposable
    {
        public Tensor? Probe { get; private set; }

        public void AttentionInput(int layer, LlamaAttention attention, Tensor normalized)
        {
        }

        public Tensor AttentionOutput(int layer, Tensor output)
        {
            // Owned here, not by the layer's dispose scope: its gradient is read after the layer returns.
            Probe?.Dispose();
            Probe = zeros_like(output).requires_grad_(true).DetachFromDisposeScope();
            return output + Probe;
        }

        public void Dispose() => Probe?.Dispose();
    }
}

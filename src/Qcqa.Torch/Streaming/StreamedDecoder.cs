using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Streaming;

/// <summary>
/// Runs a decoder layer-major: every batch of a pass goes through layer 0, then layer 1, …, so each layer is loaded
/// once per pass and only one needs to be in memory, while the batches' hidden states are carried from layer to
/// layer. With resident weights this computes exactly what <see cref="LlamaModel"/> computes (the same
/// <see cref="LlamaDecoderLayer"/> modules, the same operations in the same order).
/// </summary>
/// <param name="weights">Where the layers come from; the caller keeps ownership.</param>
public sealed class StreamedDecoder(IDecoderWeights weights)
{
    private readonly IDecoderWeights _weights = weights ?? throw new ArgumentNullException(nameof(weights));
    private RotaryEmbedding? _rotary;

    /// <summary>The architecture.</summary>
    public LlamaConfig Config => _weights.Config;

    /// <summary>The weights the passes read.</summary>
    public IDecoderWeights Weights => _weights;

    /// <summary>
    /// The final-normed hidden states of several token batches, from position 0 without a cache, in one pass over
    /// the layers. Runs without autograd.
    /// </summary>
    /// <param name="batches">Each [batch, seq], int64; lengths may differ between batches.</param>
    /// <param name="observer">Sees every layer's attention input and output, and is told when a layer has seen every batch.</param>
    /// <param name="progress">Receives the layers done.</param>
    /// <param name="cancellation">Checked before every layer.</param>
    /// <returns>One [batch, seq, hidden] tensor per batch; the caller disposes them.</returns>
    public Tensor[] FinalHidden(IReadOnlyList<Tensor> batches, IAttentionObserver? observer = null, IProgress<LayerProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        using var noGrad = no_grad();
        var hidden = new Tensor[batches.Count];
        try
        {
            for (var b = 0; b < hidden.Length; b++) hidden[b] = _weights.Embed(batches[b]).DetachFromDisposeScope();
            var tables = new Dictionary<long, (Tensor Cos, Tensor Sin)>();
            try
            {
                for (var layer = 0; layer < Config.NumHiddenLayers; layer++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    using (var lease = _weights.Layer(layer))
                    {
                        for (var b = 0; b < hidden.Length; b++)
                        {
                            using var scope = NewDisposeScope();
                            var (cos, sin) = Tables(tables, hidden[b].shape[1]);
                            var next = lease.Layer.Forward(hidden[b], cos, sin, null, observer).DetachFromDisposeScope();
                            hidden[b].Dispose();
                            hidden[b] = next;
                        }
                    }
                    observer?.LayerDone(layer);
                    progress?.Report(new LayerProgress(layer + 1, Config.NumHiddenLayers));
                }
            }
            finally
            {
                foreach (var (cos, sin) in tables.Values) { cos.Dispose(); sin.Dispose(); }
            }
            for (var b = 0; b < hidden.Length; b++)
            {
                using var scope = NewDisposeScope();
                var normed = _weights.FinalNorm.forward(hidden[b]).DetachFromDisposeScope();
                hidden[b].Dispose();
                hidden[b] = normed;
            }
            return hidden;
        }
        catch
        {
            foreach (var h in hidden) h?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The residual stream of every batch entering every layer, and leaving the last one (before the final norm), in
    /// one pass without autograd: [layer][batch], layers + 1 entries, each [batch, seq, hidden]. The caller disposes them.
    /// </summary>
    /// <param name="batches">Each [batch, seq], int64.</param>
    /// <param name="cancellation">Checked before every layer.</param>
    public Tensor[][] Residuals(IReadOnlyList<Tensor> batches, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        using var noGrad = no_grad();
        var residuals = new Tensor[Config.NumHiddenLayers + 1][];
        try
        {
            residuals[0] = batches.Select(b => _weights.Embed(b).DetachFromDisposeScope()).ToArray();
            for (var layer = 0; layer < Config.NumHiddenLayers; layer++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var lease = _weights.Layer(layer);
                residuals[layer + 1] = new Tensor[batches.Count];
                for (var b = 0; b < batches.Count; b++)
                {
                    using var scope = NewDisposeScope();
                    var input = residuals[layer][b];
                    var (cos, sin) = Rotary.Tables(0, input.shape[1]);
                    residuals[layer + 1][b] = lease.Layer.Forward(input, cos, sin, null).DetachFromDisposeScope();
                }
            }
            return residuals;
        }
        catch
        {
            foreach (var row in residuals) foreach (var t in row ?? []) t?.Dispose();
            throw;
        }
    }

    /// <summary>The output projection of final hidden states: [batch, seq, vocab].</summary>
    public Tensor Logits(Tensor finalHidden) => nn.functional.linear(finalHidden, _weights.HeadWeight);

    /// <summary>
    /// Logits for new tokens of one batch, placed after whatever <paramref name="cache"/> holds (prefill, then one
    /// call per generated token), as <see cref="LlamaModel.Forward(Tensor, LlamaKvCache?, IAttentionObserver?)"/>.
    /// Streamed weights load every layer on every call, so decoding a streamed model is slow; the cache works the same.
    /// </summary>
    /// <param name="tokens">[batch, seq], int64.</param>
    /// <param name="cache">The cache to read and extend, or null for a pass from position 0.</param>
    /// <returns>[batch, seq, vocab]</returns>
    public Tensor Forward(Tensor tokens, LlamaKvCache? cache)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = NewDisposeScope();
        var (cos, sin) = Rotary.Tables(cache?.Length ?? 0, tokens.shape[1]);
        var hidden = _weights.Embed(tokens);
        for (var layer = 0; layer < Config.NumHiddenLayers; layer++)
        {
            using var lease = _weights.Layer(layer);
            hidden = lease.Layer.Forward(hidden, cos, sin, cache?.Layers[layer]);
        }
        return Logits(_weights.FinalNorm.forward(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary>The rotary tables' generator for this model.</summary>
    public RotaryEmbedding Rotary => _rotary ??= new RotaryEmbedding("rotary_emb", Config.ResolvedRotaryDimensions, Config.RopeTheta, _weights.Device);

    private (Tensor Cos, Tensor Sin) Tables(Dictionary<long, (Tensor Cos, Tensor Sin)> tables, long length)
    {
        if (tables.TryGetValue(length, out var known)) return known;
        var (cos, sin) = Rotary.Tables(0, length);
        return tables[length] = (cos.DetachFromDisposeScope(), sin.DetachFromDisposeScope());
    }
}

using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// Sees what each decoder layer's attention reads and what it adds to the residual stream, during a forward pass
/// without a cache. Calibration collects its statistics through it, so there is one forward pass in the code base,
/// not a second copy that could drift from the model.
/// </summary>
public interface IAttentionObserver
{
    /// <summary>Called with the attention's input (after the input norm) before the attention runs.</summary>
    /// <param name="layer">The layer index.</param>
    /// <param name="attention">The layer's attention block (its projections and layout).</param>
    /// <param name="normalized">[batch, seq, hidden]; owned by the forward pass (do not dispose).</param>
    void AttentionInput(int layer, LlamaAttention attention, Tensor normalized);

    /// <summary>
    /// Called, in a pass from position 0 without a cache, with what the attention's kernel reads: the rotated queries
    /// and the rotated keys and the values each query head reads, so an observer needs not compute the projections again.
    /// </summary>
    /// <param name="layer">The layer index.</param>
    /// <param name="attention">The layer's attention block.</param>
    /// <param name="queries">[batch, H, seq, d]; owned by the forward pass.</param>
    /// <param name="keys">[batch, H, seq, d], each query head's KV head; owned by the forward pass.</param>
    /// <param name="values">[batch, H, seq, d], likewise.</param>
    void AttentionHeads(int layer, LlamaAttention attention, Tensor queries, Tensor keys, Tensor values)
    {
    }

    /// <summary>Called with the attention's output; what it returns is added to the residual stream instead.</summary>
    /// <param name="layer">The layer index.</param>
    /// <param name="output">[batch, seq, hidden].</param>
    /// <returns><paramref name="output"/> itself, or a tensor of the same shape (e.g. with a gradient probe added).</returns>
    Tensor AttentionOutput(int layer, Tensor output);

    /// <summary>
    /// Called by a layer-streamed pass (<see cref="Streaming.StreamedDecoder"/>) once layer <paramref name="layer"/>
    /// has seen every batch: what was collected for it is complete, and the layer's weights are about to be freed.
    /// </summary>
    /// <param name="layer">The layer index.</param>
    void LayerDone(int layer)
    {
    }
}

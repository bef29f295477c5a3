using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;

namespace Qcqa.Torch.Streaming;

/// <summary>
/// One decoder layer lent to a pass: disposing the lease frees a layer loaded for this use alone and leaves a
/// resident one (or one borrowed from a whole <see cref="LlamaModel"/>) in place.
/// </summary>
public sealed class LayerLease : IDisposable
{
    private readonly bool _owned;

    internal LayerLease(LlamaDecoderLayer layer, bool owned)
    {
        Layer = layer;
        _owned = owned;
    }

    /// <summary>The layer, valid until the lease is disposed.</summary>
    public LlamaDecoderLayer Layer { get; }

    /// <summary>Frees the layer's weights when they were loaded for this lease, and hands what libtorch freed back to the system.</summary>
    /// <remarks>A streamed pass frees a layer and its activations at every layer; without the trim glibc keeps that
    /// freed memory in its arenas, and a pass's resident memory grows well past what it holds at any moment.</remarks>
    public void Dispose()
    {
        if (!_owned) return;
        Layer.Dispose();
        ProcessMemory.ReturnFreedNative();
    }
}

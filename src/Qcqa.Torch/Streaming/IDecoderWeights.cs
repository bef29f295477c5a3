using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Streaming;

/// <summary>
/// Where a <see cref="StreamedDecoder"/> gets each part of the network. A checkpoint hands out one decoder layer at
/// a time (<see cref="CheckpointDecoderWeights"/>); a whole in-memory model lends its own modules
/// (<see cref="ModelDecoderWeights"/>). Either way the layers are <see cref="LlamaDecoderLayer"/>s, so there is one
/// forward definition.
/// </summary>
public interface IDecoderWeights : IDisposable
{
    /// <summary>The architecture.</summary>
    LlamaConfig Config { get; }

    /// <summary>Where the weights live and compute runs.</summary>
    Device Device { get; }

    /// <summary>Whether every layer stays loaded between uses (a pass then costs no loading).</summary>
    bool Resident { get; }

    /// <summary>Token vectors, [batch, seq, hidden], float32 on <see cref="Device"/>.</summary>
    /// <param name="tokens">[batch, seq], int64 ids in range.</param>
    Tensor Embed(Tensor tokens);

    /// <summary>Layer <paramref name="layer"/>, loaded if it is not resident.</summary>
    LayerLease Layer(int layer);

    /// <summary>The final norm.</summary>
    nn.Module<Tensor, Tensor> FinalNorm { get; }

    /// <summary>The output projection, [vocab, hidden] (the embedding table when they are tied).</summary>
    Tensor HeadWeight { get; }
}

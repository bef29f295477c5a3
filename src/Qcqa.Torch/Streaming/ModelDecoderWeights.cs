using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Streaming;

/// <summary>Lends a whole <see cref="LlamaModel"/>'s modules to a <see cref="StreamedDecoder"/> (borrowed: the model is not disposed).</summary>
/// <param name="model">The model; the caller keeps ownership.</param>
public sealed class ModelDecoderWeights(LlamaModel model) : IDecoderWeights
{
    private readonly LlamaModel _model = model ?? throw new ArgumentNullException(nameof(model));

    /// <inheritdoc />
    public LlamaConfig Config => _model.Config;

    /// <inheritdoc />
    public Device Device => _model.Device;

    /// <inheritdoc />
    public bool Resident => true;

    /// <inheritdoc />
    public Tensor Embed(Tensor tokens) => _model.Stack.Embedding.forward(tokens.to(Device));

    /// <inheritdoc />
    public LayerLease Layer(int layer) => new(_model.Stack.Layers[layer], owned: false);

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> FinalNorm => _model.Stack.FinalNorm;

    /// <inheritdoc />
    public Tensor HeadWeight => _model.HeadWeight;

    /// <summary>Nothing to free: the model belongs to the caller.</summary>
    public void Dispose()
    {
    }
}

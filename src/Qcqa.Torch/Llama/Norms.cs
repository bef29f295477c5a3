using Qcqa.Core.Families;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>Creates the norm a config asks for, under the Hugging Face module name it is given.</summary>
internal static class Norms
{
    /// <summary>An <see cref="RmsNorm"/> or a <see cref="LayerNorm"/> of the model width.</summary>
    public static nn.Module<Tensor, Tensor> Create(string name, LlamaConfig config, Device device) => config.Norm switch
    {
        NormKind.Layer => new LayerNorm(name, config.HiddenSize, config.RmsNormEps, device),
        _ => new RmsNorm(name, config.HiddenSize, config.RmsNormEps, device),
    };
}

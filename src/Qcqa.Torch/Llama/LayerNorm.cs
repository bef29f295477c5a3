using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// LayerNorm with a weight and a bias (GPT-NeoX's norms, <c>torch.nn.LayerNorm</c>): (x − mean) / √(var + eps) · weight
/// + bias over the last dimension, the variance biased, computed in float32.
/// </summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly long _size;
    private readonly double _eps;

    /// <summary>Creates a norm whose weight starts at one and bias at zero.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="size">Normalised width (hidden size).</param>
    /// <param name="eps">Added to the variance before the square root.</param>
    /// <param name="device">Where the parameters live.</param>
    public LayerNorm(string name, long size, double eps, Device device) : base(name)
    {
        _size = size;
        _eps = eps;
        register_parameter("weight", ModuleParameters.Create(ones(new[] { size }, ScalarType.Float32, device)));
        register_parameter("bias", ModuleParameters.Create(zeros(new[] { size }, ScalarType.Float32, device)));
    }

    /// <summary>The per-channel scale, [size].</summary>
    public Parameter Weight => get_parameter("weight")!;

    /// <summary>The per-channel shift, [size].</summary>
    public Parameter Bias => get_parameter("bias")!;

    /// <summary>Normalises over the last dimension.</summary>
    /// <param name="input">[..., size]</param>
    /// <returns>[..., size]</returns>
    public override Tensor forward(Tensor input) => nn.functional.layer_norm(input, new[] { _size }, Weight, Bias, _eps);
}

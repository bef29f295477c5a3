using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// Llama's RMSNorm: x · rsqrt(mean(x²) + eps) · weight, with the statistics in float32 whatever the input dtype
/// (as Transformers' <c>LlamaRMSNorm</c>), and the result cast back before the weight multiplies it.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Scalar _eps; // rooted by the module: see Scalars

    /// <summary>Creates a norm whose weight starts at one.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="size">Normalised width (hidden size).</param>
    /// <param name="eps">Added to the mean square before the square root.</param>
    /// <param name="device">Where the weight lives.</param>
    public RmsNorm(string name, long size, double eps, Device device) : base(name)
    {
        _eps = eps.ToScalar();
        register_parameter("weight", ModuleParameters.Create(ones(new[] { size }, ScalarType.Float32, device)));
    }

    /// <summary>The per-channel scale, [size].</summary>
    public Parameter Weight => get_parameter("weight")!;

    /// <summary>Normalises over the last dimension.</summary>
    /// <param name="input">[..., size]</param>
    /// <returns>[..., size]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var meanSquare = x.pow(Scalars.Two).mean(new long[] { -1 }, keepdim: true);
        var normalised = x * rsqrt(meanSquare.add(_eps, Scalars.One));
        return (Weight * normalised.to_type(input.dtype)).MoveToOuterDisposeScope();
    }
}

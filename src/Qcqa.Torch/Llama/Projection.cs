using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// A linear layer y = x Wᵀ + b with Hugging Face parameter names (<c>weight</c> [out, in], optional <c>bias</c>
/// [out]). Unlike <c>nn.Linear</c> it allocates without initialising, because the model either loads weights or
/// applies Llama's own initialisation; for a 7B checkpoint the skipped Kaiming init would cost seconds.
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    /// <summary>Allocates an uninitialised projection.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="hasBias">Whether a bias is registered.</param>
    /// <param name="device">Where the parameters live.</param>
    public Projection(string name, long inFeatures, long outFeatures, bool hasBias, Device device) : base(name)
    {
        HasBias = hasBias;
        register_parameter("weight", ModuleParameters.Create(empty(new[] { outFeatures, inFeatures }, ScalarType.Float32, device)));
        if (hasBias) register_parameter("bias", ModuleParameters.Create(zeros(new[] { outFeatures }, ScalarType.Float32, device)));
    }

    /// <summary>Whether the layer has a bias.</summary>
    public bool HasBias { get; }

    /// <summary>The weight, [out, in].</summary>
    // Looked up by name on every use: Module.to() replaces registered parameters, so a cached field would go stale.
    public Parameter Weight => get_parameter("weight")!;

    /// <summary>The bias, [out], or null.</summary>
    public Parameter? Bias => HasBias ? get_parameter("bias")! : null;

    /// <summary>Applies the layer, in the weight's type; the result has the input's type.</summary>
    /// <param name="input">[..., in]</param>
    /// <returns>[..., out]</returns>
    /// <remarks>
    /// A projection converted to bfloat16 (<c>to(ScalarType.BFloat16)</c>, the evaluation's <c>precision: bfloat16</c>)
    /// rounds its float32 input, multiplies in bfloat16 with float32 accumulation, and widens the result again, so
    /// the modules around it need not know.
    /// </remarks>
    public override Tensor forward(Tensor input)
    {
        var weight = Weight;
        if (input.dtype == weight.dtype) return nn.functional.linear(input, weight, Bias);
        using var narrowed = input.to_type(weight.dtype);
        using var output = nn.functional.linear(narrowed, weight, Bias);
        return output.to_type(input.dtype);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// GPT-NeoX's feed-forward block, down(gelu(up(x))) with biases and the exact (erf) GELU. The runtime names its
/// projections <c>up_proj</c> and <c>down_proj</c>; the loader fills them from <c>dense_h_to_4h</c> and <c>dense_4h_to_h</c>.
/// </summary>
public sealed class GeluMlp : nn.Module<Tensor, Tensor>
{
    private readonly Projection _up;
    private readonly Projection _down;

    /// <summary>Allocates the two projections (uninitialised).</summary>
    public GeluMlp(string name, LlamaConfig config, Device device) : base(name)
    {
        _up = new Projection("up_proj", config.HiddenSize, config.IntermediateSize, true, device);
        _down = new Projection("down_proj", config.IntermediateSize, config.HiddenSize, true, device);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
    }

    /// <summary>Applies the block.</summary>
    /// <param name="input">[batch, seq, hidden]</param>
    /// <returns>[batch, seq, hidden]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return _down.forward(nn.functional.gelu(_up.forward(input))).MoveToOuterDisposeScope();
    }
}

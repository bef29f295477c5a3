using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>Llama's SwiGLU feed-forward block: down(silu(gate(x)) · up(x)), no biases.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Projection _gate;
    private readonly Projection _up;
    private readonly Projection _down;

    /// <summary>Allocates the three projections (uninitialised).</summary>
    public LlamaMlp(string name, LlamaConfig config, Device device) : base(name)
    {
        _gate = new Projection("gate_proj", config.HiddenSize, config.IntermediateSize, false, device);
        _up = new Projection("up_proj", config.HiddenSize, config.IntermediateSize, false, device);
        _down = new Projection("down_proj", config.IntermediateSize, config.HiddenSize, false, device);
        register_module("gate_proj", _gate);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
    }

    /// <summary>Applies the block.</summary>
    /// <param name="input">[batch, seq, hidden]</param>
    /// <returns>[batch, seq, hidden]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(_gate.forward(input)) * _up.forward(input);
        return _down.forward(gated).MoveToOuterDisposeScope();
    }
}

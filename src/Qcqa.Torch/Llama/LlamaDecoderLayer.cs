using Qcqa.Core.Families;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// One pre-norm transformer block: h = x + attn(norm₁(x)); out = h + mlp(norm₂(h)); or, with a parallel residual
/// (GPT-NeoX), out = x + attn(norm₁(x)) + mlp(norm₂(x)).
/// </summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly nn.Module<Tensor, Tensor> _inputNorm;
    private readonly LlamaAttention _attention;
    private readonly nn.Module<Tensor, Tensor> _postAttentionNorm;
    private readonly nn.Module<Tensor, Tensor> _mlp;
    private readonly bool _parallel;

    /// <summary>Allocates layer <paramref name="layer"/>.</summary>
    public LlamaDecoderLayer(string name, LlamaConfig config, int layer, Device device) : base(name)
    {
        Index = layer;
        _parallel = config.ParallelResidual;
        _inputNorm = Norms.Create("input_layernorm", config, device);
        _attention = new LlamaAttention("self_attn", config, layer, device);
        _postAttentionNorm = Norms.Create("post_attention_layernorm", config, device);
        _mlp = config.Mlp == MlpKind.Gelu ? new GeluMlp("mlp", config, device) : new LlamaMlp("mlp", config, device);
        register_module("input_layernorm", _inputNorm);
        register_module("self_attn", _attention);
        register_module("post_attention_layernorm", _postAttentionNorm);
        register_module("mlp", _mlp);
    }

    /// <summary>The layer's index in the stack.</summary>
    public int Index { get; }

    /// <summary>The norm before the attention block (<see cref="RmsNorm"/> or <see cref="LayerNorm"/>).</summary>
    public nn.Module<Tensor, Tensor> InputNorm => _inputNorm;

    /// <summary>The attention block.</summary>
    public LlamaAttention Attention => _attention;

    /// <summary>Runs the block.</summary>
    /// <param name="hidden">[batch, seq, hidden]</param>
    /// <param name="cos">[seq, head_dim]</param>
    /// <param name="sin">[seq, head_dim]</param>
    /// <param name="cache">This layer's KV cache, or null.</param>
    /// <param name="observer">Sees the attention's input and output, or null.</param>
    /// <returns>[batch, seq, hidden]</returns>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, LayerKvCache? cache, IAttentionObserver? observer = null)
    {
        using var scope = NewDisposeScope();
        var normalized = _inputNorm.forward(hidden);
        observer?.AttentionInput(Index, _attention, normalized);
        var attended = _attention.Forward(normalized, cos, sin, cache, observer);
        if (observer is not null) attended = observer.AttentionOutput(Index, attended);
        if (_parallel)
            // Transformers' order of the sums: mlp + attn + x.
            return Scalars.Add(Scalars.Add(_mlp.forward(_postAttentionNorm.forward(hidden)), attended), hidden).MoveToOuterDisposeScope();
        var h = Scalars.Add(hidden, attended);
        return Scalars.Add(h, _mlp.forward(_postAttentionNorm.forward(h))).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>One pre-norm transformer block: h = x + attn(norm₁(x)); out = h + mlp(norm₂(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly RmsNorm _inputNorm;
    private readonly LlamaAttention _attention;
    private readonly RmsNorm _postAttentionNorm;
    private readonly LlamaMlp _mlp;

    /// <summary>Allocates layer <paramref name="layer"/>.</summary>
    public LlamaDecoderLayer(string name, LlamaConfig config, int layer, Device device) : base(name)
    {
        Index = layer;
        _inputNorm = new RmsNorm("input_layernorm", config.HiddenSize, config.RmsNormEps, device);
        _attention = new LlamaAttention("self_attn", config, layer, device);
        _postAttentionNorm = new RmsNorm("post_attention_layernorm", config.HiddenSize, config.RmsNormEps, device);
        _mlp = new LlamaMlp("mlp", config, device);
        register_module("input_layernorm", _inputNorm);
        register_module("self_attn", _attention);
        register_module("post_attention_layernorm", _postAttentionNorm);
        register_module("mlp", _mlp);
    }

    /// <summary>The layer's index in the stack.</summary>
    public int Index { get; }

    /// <summary>The norm before the attention block.</summary>
    public RmsNorm InputNorm => _inputNorm;

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
        observer?.AttentionInput(Index, normalized);
        var attended = _attention.Forward(normalized, cos, sin, cache);
        if (observer is not null) attended = observer.AttentionOutput(Index, attended);
        var h = Scalars.Add(hidden, attended);
        return Scalars.Add(h, _mlp.forward(_postAttentionNorm.forward(h))).MoveToOuterDisposeScope();
    }
}

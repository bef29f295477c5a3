using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>
/// Transformers' <c>LlamaModel</c> (registered as <c>model</c>): token embedding, the decoder layers and the final
/// norm, producing hidden states. Named so that parameter paths match checkpoint names (<c>model.layers.3.…</c>).
/// </summary>
public sealed class LlamaDecoderStack : nn.Module
{
    private readonly TokenEmbedding _embedding;
    private readonly LlamaDecoderLayer[] _layers;
    private readonly nn.Module<Tensor, Tensor> _norm;
    private readonly RotaryEmbedding _rotary;

    /// <summary>Allocates the stack.</summary>
    public LlamaDecoderStack(string name, LlamaConfig config, Device device) : base(name)
    {
        _embedding = new TokenEmbedding("embed_tokens", config.VocabSize, config.HiddenSize, device);
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(l => new LlamaDecoderLayer(l.ToString(System.Globalization.CultureInfo.InvariantCulture), config, l, device))
            .ToArray();
        _norm = Norms.Create("norm", config, device);
        _rotary = new RotaryEmbedding("rotary_emb", config.ResolvedRotaryDimensions, config.RopeTheta, device);
        register_module("embed_tokens", _embedding);
        register_module("layers", new ModuleList<LlamaDecoderLayer>(_layers));
        register_module("norm", _norm);
        register_module("rotary_emb", _rotary);
    }

    /// <summary>The token embedding (the output projection reuses it when embeddings are tied).</summary>
    public TokenEmbedding Embedding => _embedding;

    /// <summary>The decoder layers.</summary>
    public IReadOnlyList<LlamaDecoderLayer> Layers => _layers;

    /// <summary>The norm after the last layer.</summary>
    public nn.Module<Tensor, Tensor> FinalNorm => _norm;

    /// <summary>The rotary table generator.</summary>
    public RotaryEmbedding Rotary => _rotary;

    /// <summary>Runs the stack over new tokens placed after whatever <paramref name="cache"/> holds.</summary>
    /// <param name="tokens">[batch, seq], int64.</param>
    /// <param name="cache">The KV cache to read and extend, or null for a pass from position 0.</param>
    /// <param name="observer">Sees every layer's attention input and output, or null.</param>
    /// <returns>Final-normed hidden states, [batch, seq, hidden].</returns>
    public Tensor Forward(Tensor tokens, LlamaKvCache? cache, IAttentionObserver? observer = null)
    {
        using var scope = NewDisposeScope();
        var start = cache?.Length ?? 0;
        var (cos, sin) = _rotary.Tables(start, tokens.shape[1]);
        var hidden = _embedding.forward(tokens);
        for (var l = 0; l < _layers.Length; l++)
            hidden = _layers[l].Forward(hidden, cos, sin, cache?.Layers[l], observer);
        return _norm.forward(hidden).MoveToOuterDisposeScope();
    }
}

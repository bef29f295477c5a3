using Qcqa.Torch.Llama;

namespace Qcqa.ReferenceModel;

/// <summary>
/// The shape of tiny-llama-kjv: a byte-level (256-token) Llama with multi-head attention, 6 layers of 12 heads of
/// size 16 (width 192), a SwiGLU MLP of width 512 and an untied output projection: 2,755,008 parameters.
/// </summary>
public static class ReferenceArchitecture
{
    /// <summary>The config of the shipped model.</summary>
    public static LlamaConfig Config { get; } = new()
    {
        VocabSize = 256,
        HiddenSize = 192,
        IntermediateSize = 512,
        NumHiddenLayers = 6,
        NumAttentionHeads = 12,
        NumKeyValueHeads = 12,
        HeadDim = 16,
        RmsNormEps = 1e-5,
        RopeTheta = 10000.0,
        MaxPositionEmbeddings = 512,
        TieWordEmbeddings = false,
        AttentionBias = false,
    };

    /// <summary>Number of parameters of a model with <paramref name="config"/> (elements of every checkpoint tensor).</summary>
    public static long ParameterCount(LlamaConfig config)
        => LlamaWeightShapes.Expected(config).Sum(e => e.Value.Aggregate(1L, (a, b) => a * b));
}

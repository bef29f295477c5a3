using Qcqa.Torch.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

/// <summary>Small configs and weight sets that make the model tests run in seconds on two cores.</summary>
internal static class TinyLlama
{
    /// <summary>2 layers, 6 heads of size 10, hidden 60, vocabulary 37: MHA unless a layout is given.</summary>
    public static LlamaConfig Config(int? kvHeads = null, IReadOnlyList<AttentionLayout>? layouts = null, bool bias = false, bool tied = false)
    {
        return new LlamaConfig
        {
            VocabSize = 37,
            HiddenSize = 60,
            IntermediateSize = 96,
            NumHiddenLayers = 2,
            NumAttentionHeads = 6,
            NumKeyValueHeads = kvHeads,
            RmsNormEps = 1e-5,
            RopeTheta = 10000,
            MaxPositionEmbeddings = 64,
            AttentionBias = bias,
            TieWordEmbeddings = tied,
            LayerLayouts = layouts,
        };
    }

    /// <summary>
    /// Random Hugging Face-named weights for <paramref name="config"/>. Projections use std 0.2 (not 0.02) so that
    /// attention is far from uniform and a wrong head mapping changes the logits visibly; norm weights vary around 1.
    /// </summary>
    public static Dictionary<string, Tensor> RandomWeights(LlamaConfig config, long seed)
    {
        var generator = new Generator((ulong)seed, CPU);
        var weights = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in LlamaWeightShapes.Expected(config))
        {
            var noise = empty(shape, ScalarType.Float32).normal_(0, 0.2, generator);
            weights[name] = name.EndsWith("norm.weight", StringComparison.Ordinal) ? 1 + noise * 0.5 : noise;
        }
        return weights;
    }

    /// <summary>
    /// The MHA weights that compute the same function as <paramref name="config"/>'s grouped layout: KV head h of
    /// the result is an explicit copy of the grouped KV head query head h reads (biases likewise).
    /// </summary>
    public static Dictionary<string, Tensor> ExpandToMultiHead(LlamaConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        var result = new Dictionary<string, Tensor>(weights);
        var d = config.ResolvedHeadDim;
        for (var l = 0; l < config.NumHiddenLayers; l++)
        {
            var layout = config.LayoutOf(l);
            foreach (var part in new[] { "k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias" })
            {
                var name = $"model.layers.{l}.self_attn.{part}";
                if (!weights.TryGetValue(name, out var grouped)) continue;
                var blocks = layout.QueryToKv.Select(kv => grouped.narrow(0, (long)kv * d, d)).ToArray();
                result[name] = cat(blocks, 0);
            }
        }
        return result;
    }

    /// <summary>The same config with every layer MHA.</summary>
    public static LlamaConfig AsMultiHead(LlamaConfig config) => config with { NumKeyValueHeads = null, LayerLayouts = null };

    /// <summary>Deterministic token ids [batch, seq].</summary>
    public static Tensor Tokens(LlamaConfig config, long batch, long seq, long seed)
    {
        var generator = new Generator((ulong)seed, CPU);
        return randint(0, config.VocabSize, new[] { batch, seq }, dtype: ScalarType.Int64, generator: generator);
    }
}

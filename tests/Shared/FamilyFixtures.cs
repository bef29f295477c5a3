using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;

namespace Qcqa.Tests.Shared;

/// <summary>The shape and content of a small Phi-3 or GPT-NeoX fixture checkpoint.</summary>
public sealed record FamilyFixtureOptions
{
    /// <summary><c>num_hidden_layers</c>.</summary>
    public int Layers { get; init; } = 2;

    /// <summary><c>num_attention_heads</c> (H).</summary>
    public int Heads { get; init; } = 6;

    /// <summary>Phi-3's <c>num_key_value_heads</c> (G); null writes H (GPT-NeoX never has one).</summary>
    public int? KvHeads { get; init; }

    /// <summary>Head size d; the width is H·d (both families derive d from the width).</summary>
    public int HeadDim { get; init; } = 8;

    /// <summary><c>intermediate_size</c>.</summary>
    public int Intermediate { get; init; } = 40;

    /// <summary><c>vocab_size</c>.</summary>
    public int Vocab { get; init; } = 64;

    /// <summary>The dtype of every tensor.</summary>
    public SafetensorsDtype Dtype { get; init; } = SafetensorsDtype.F32;

    /// <summary>GPT-NeoX's <c>rotary_pct</c> or Phi-3's <c>partial_rotary_factor</c>.</summary>
    public double RotaryFraction { get; init; } = 1.0;

    /// <summary>Phi-3's <c>sliding_window</c> (Phi-3-mini's is 2047); null writes none.</summary>
    public int? SlidingWindow { get; init; } = 2047;

    /// <summary>GPT-NeoX's <c>use_parallel_residual</c>.</summary>
    public bool ParallelResidual { get; init; } = true;

    /// <summary>Standard deviation of the random weights (0.1 makes attention far from uniform).</summary>
    public double WeightStd { get; init; } = 0.1;

    /// <summary>Seed of the values.</summary>
    public int Seed { get; init; } = 11;

    /// <summary>D = H·d.</summary>
    public int Hidden => Heads * HeadDim;

    /// <summary>G as written.</summary>
    public int EffectiveKvHeads => KvHeads ?? Heads;
}

/// <summary>
/// Writes small checkpoints in the exact layouts of Transformers' Phi-3 and GPT-NeoX (tensor names, shapes, fused row
/// order, config keys) with seeded random values. The layouts are spelt out here, independently of the product's
/// family code, so that a mistake in one is caught by the other.
/// </summary>
public static class FamilyFixtures
{
    /// <summary>
    /// A Phi-3 folder: <c>model.embed_tokens</c>, per layer <c>input_layernorm</c>, <c>self_attn.qkv_proj</c>
    /// ([(H + 2G)·d, D]: q rows, then k, then v), <c>self_attn.o_proj</c>, <c>post_attention_layernorm</c>,
    /// <c>mlp.gate_up_proj</c> ([2I, D]: gate rows, then up) and <c>mlp.down_proj</c>; <c>model.norm</c>, <c>lm_head</c>.
    /// </summary>
    public static string WritePhi3(string folder, FamilyFixtureOptions o)
    {
        long h = o.Heads, g = o.EffectiveKvHeads, d = o.HeadDim, width = o.Hidden, i = o.Intermediate, v = o.Vocab;
        var tensors = new List<(string Name, long[] Shape, Kind Kind)> { ("model.embed_tokens.weight", [v, width], Kind.Weight) };
        for (var l = 0; l < o.Layers; l++)
        {
            var p = $"model.layers.{l}.";
            tensors.Add((p + "input_layernorm.weight", [width], Kind.Norm));
            tensors.Add((p + "self_attn.qkv_proj.weight", [(h + 2 * g) * d, width], Kind.Weight));
            tensors.Add((p + "self_attn.o_proj.weight", [width, h * d], Kind.Weight));
            tensors.Add((p + "post_attention_layernorm.weight", [width], Kind.Norm));
            tensors.Add((p + "mlp.gate_up_proj.weight", [2 * i, width], Kind.Weight));
            tensors.Add((p + "mlp.down_proj.weight", [width, i], Kind.Weight));
        }
        tensors.Add(("model.norm.weight", [width], Kind.Norm));
        tensors.Add(("lm_head.weight", [v, width], Kind.Weight));

        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Phi3ForCausalLM"),
            ["attention_bias"] = false,
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 1,
            ["embd_pdrop"] = 0.0,
            ["eos_token_id"] = 32000,
            ["hidden_act"] = "silu",
            ["hidden_size"] = width,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = i,
            ["max_position_embeddings"] = 4096,
            ["model_type"] = "phi3",
            ["num_attention_heads"] = h,
            ["num_hidden_layers"] = o.Layers,
            ["num_key_value_heads"] = g,
            ["original_max_position_embeddings"] = 4096,
            ["partial_rotary_factor"] = o.RotaryFraction,
            ["resid_pdrop"] = 0.0,
            ["rms_norm_eps"] = 1e-5,
            ["rope_scaling"] = null,
            ["rope_theta"] = 10000.0,
            ["sliding_window"] = o.SlidingWindow,
            ["tie_word_embeddings"] = false,
            ["torch_dtype"] = o.Dtype.TorchName(),
            ["use_cache"] = true,
            ["vocab_size"] = v,
        };
        return Write(folder, o, tensors, config);
    }

    /// <summary>
    /// A GPT-NeoX (Pythia) folder: <c>gpt_neox.embed_in</c>, per layer <c>input_layernorm</c> and
    /// <c>post_attention_layernorm</c> (weight and bias), <c>attention.query_key_value</c> ([3·H·d, D] with bias, rows per
    /// head [q_h; k_h; v_h]), <c>attention.dense</c> (with bias), <c>mlp.dense_h_to_4h</c> and <c>mlp.dense_4h_to_h</c>
    /// (with biases); <c>gpt_neox.final_layer_norm</c>, <c>embed_out</c>. Like Pythia's own files it also stores the
    /// attention's causal-mask buffers (<c>attention.bias</c>, <c>attention.masked_bias</c>) and the RoPE table.
    /// </summary>
    public static string WriteGptNeox(string folder, FamilyFixtureOptions o)
    {
        long h = o.Heads, d = o.HeadDim, width = o.Hidden, i = o.Intermediate, v = o.Vocab;
        var rotary = (long)(d * o.RotaryFraction);
        var tensors = new List<(string Name, long[] Shape, Kind Kind)> { ("gpt_neox.embed_in.weight", [v, width], Kind.Weight) };
        for (var l = 0; l < o.Layers; l++)
        {
            var p = $"gpt_neox.layers.{l}.";
            tensors.Add((p + "input_layernorm.weight", [width], Kind.Norm));
            tensors.Add((p + "input_layernorm.bias", [width], Kind.Bias));
            tensors.Add((p + "post_attention_layernorm.weight", [width], Kind.Norm));
            tensors.Add((p + "post_attention_layernorm.bias", [width], Kind.Bias));
            tensors.Add((p + "attention.bias", [1, 1, 8, 8], Kind.Mask));
            tensors.Add((p + "attention.masked_bias", [], Kind.Zero));
            tensors.Add((p + "attention.rotary_emb.inv_freq", [rotary / 2], Kind.Zero));
            tensors.Add((p + "attention.query_key_value.weight", [3 * h * d, width], Kind.Weight));
            tensors.Add((p + "attention.query_key_value.bias", [3 * h * d], Kind.Bias));
            tensors.Add((p + "attention.dense.weight", [width, h * d], Kind.Weight));
            tensors.Add((p + "attention.dense.bias", [width], Kind.Bias));
            tensors.Add((p + "mlp.dense_h_to_4h.weight", [i, width], Kind.Weight));
            tensors.Add((p + "mlp.dense_h_to_4h.bias", [i], Kind.Bias));
            tensors.Add((p + "mlp.dense_4h_to_h.weight", [width, i], Kind.Weight));
            tensors.Add((p + "mlp.dense_4h_to_h.bias", [width], Kind.Bias));
        }
        tensors.Add(("gpt_neox.final_layer_norm.weight", [width], Kind.Norm));
        tensors.Add(("gpt_neox.final_layer_norm.bias", [width], Kind.Bias));
        tensors.Add(("embed_out.weight", [v, width], Kind.Weight));

        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("GPTNeoXForCausalLM"),
            ["attention_bias"] = true,
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 0,
            ["classifier_dropout"] = 0.1,
            ["eos_token_id"] = 0,
            ["hidden_act"] = "gelu",
            ["hidden_dropout"] = 0.0,
            ["hidden_size"] = width,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = i,
            ["layer_norm_eps"] = 1e-5,
            ["max_position_embeddings"] = 2048,
            ["model_type"] = "gpt_neox",
            ["num_attention_heads"] = h,
            ["num_hidden_layers"] = o.Layers,
            ["rope_scaling"] = null,
            ["rotary_emb_base"] = 10000,
            ["rotary_pct"] = o.RotaryFraction,
            ["tie_word_embeddings"] = false,
            ["torch_dtype"] = o.Dtype.TorchName(),
            ["use_cache"] = true,
            ["use_parallel_residual"] = o.ParallelResidual,
            ["vocab_size"] = v,
        };
        return Write(folder, o, tensors, config);
    }

    private enum Kind
    {
        Weight,
        Bias,
        Norm,
        Zero,
        Mask,
    }

    private static string Write(string folder, FamilyFixtureOptions o, List<(string Name, long[] Shape, Kind Kind)> tensors, JsonObject config)
    {
        Directory.CreateDirectory(folder);
        // Pythia stores its mask buffers as bool and F32; everything else takes the fixture's dtype.
        SafetensorsDtype DtypeOf(Kind kind) => kind == Kind.Mask ? SafetensorsDtype.Bool : kind == Kind.Zero ? SafetensorsDtype.F32 : o.Dtype;
        var declarations = tensors.Select(t => new TensorDeclaration(t.Name, DtypeOf(t.Kind), t.Shape)).ToArray();
        using (var writer = new SafetensorsWriter(Path.Combine(folder, Checkpoint.SingleFileName), declarations, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            var random = new Random(o.Seed);
            foreach (var (name, shape, kind) in tensors)
            {
                var count = (int)TensorInfo.ElementCountOf(shape);
                if (kind == Kind.Mask)
                {
                    var rows = (int)shape[^1];
                    writer.WriteBytes(Enumerable.Range(0, count).Select(e => (byte)(e % rows <= e / rows % rows ? 1 : 0)).ToArray());
                    continue;
                }
                var values = new float[count];
                for (var e = 0; e < count; e++)
                {
                    values[e] = kind switch
                    {
                        Kind.Weight => (float)(Normal(random) * o.WeightStd),
                        Kind.Bias => (float)(Normal(random) * o.WeightStd),
                        Kind.Norm => (float)(1.0 + Normal(random) * 0.1),
                        _ => 0f,
                    };
                }
                writer.WriteSingles(values);
            }
            writer.Complete();
        }
        File.WriteAllText(Path.Combine(folder, ModelConfig.FileName), ModelConfig.Serialize(config));
        return folder;
    }

    private static double Normal(Random random)
    {
        var u = 1.0 - random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}

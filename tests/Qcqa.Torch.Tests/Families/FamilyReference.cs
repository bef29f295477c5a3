using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Families;

/// <summary>
/// Float64 forward passes of Phi-3 and GPT-NeoX written from Transformers' definitions, reading the checkpoint's own
/// tensors by their stored names with plain tensor operations (no runtime module, no loader): the stock semantics
/// each family's own loader applies. A Phi-3 checkpoint is split at H·d and H·d + G·d with G =
/// <c>num_key_value_heads</c> and KV heads repeated (<c>repeat_kv</c>); a GPT-NeoX checkpoint gives every query head the
/// key and value rows of its own slot.
/// </summary>
internal static class FamilyReference
{
    /// <summary>Logits [seq, vocab] of a Phi-3 folder for one sequence of tokens.</summary>
    public static Tensor Phi3(string folder, long[] tokens)
    {
        using var scope = NewDisposeScope();
        using var checkpoint = Checkpoint.Open(folder);
        var json = checkpoint.Config.ToJsonObject();
        int h = Int(json, "num_attention_heads"), g = Int(json, "num_key_value_heads"), width = Int(json, "hidden_size"), inner = Int(json, "intermediate_size");
        var d = width / h;
        var rotary = (int)(d * (double)json["partial_rotary_factor"]!);
        var eps = (double)json["rms_norm_eps"]!;
        int? window = json["sliding_window"] is JsonValue w ? (int)w : null;
        var seq = tokens.Length;
        var (cos, sin) = Tables(seq, rotary, (double)json["rope_theta"]!);
        Tensor W(string name) => Read(checkpoint, name);

        var x = W("model.embed_tokens.weight").index_select(0, tensor(tokens));
        for (var l = 0; l < Int(json, "num_hidden_layers"); l++)
        {
            var p = $"model.layers.{l}.";
            var qkv = Rms(x, W(p + "input_layernorm.weight"), eps).matmul(W(p + "self_attn.qkv_proj.weight").t());
            var q = Heads(qkv.narrow(1, 0, h * d), h, d);
            var k = Heads(qkv.narrow(1, h * d, g * d), g, d);
            var v = Heads(qkv.narrow(1, (h + g) * d, g * d), g, d);
            q = Rope(q, cos, sin);
            k = Rope(k, cos, sin).repeat_interleave(h / g, 0);
            v = v.repeat_interleave(h / g, 0);
            x = x + Attend(q, k, v, window).matmul(W(p + "self_attn.o_proj.weight").t());
            var gateUp = Rms(x, W(p + "post_attention_layernorm.weight"), eps).matmul(W(p + "mlp.gate_up_proj.weight").t());
            var gate = gateUp.narrow(1, 0, inner);
            var up = gateUp.narrow(1, inner, inner);
            x = x + (gate * gate.sigmoid() * up).matmul(W(p + "mlp.down_proj.weight").t());
        }
        return Rms(x, W("model.norm.weight"), eps).matmul(W("lm_head.weight").t()).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [seq, vocab] of a GPT-NeoX folder for one sequence of tokens.</summary>
    public static Tensor GptNeox(string folder, long[] tokens)
    {
        using var scope = NewDisposeScope();
        using var checkpoint = Checkpoint.Open(folder);
        var json = checkpoint.Config.ToJsonObject();
        int h = Int(json, "num_attention_heads"), width = Int(json, "hidden_size");
        var d = width / h;
        var rotary = (int)(d * (double)json["rotary_pct"]!);
        var eps = (double)json["layer_norm_eps"]!;
        var parallel = (bool)json["use_parallel_residual"]!;
        var seq = tokens.Length;
        var (cos, sin) = Tables(seq, rotary, (double)json["rotary_emb_base"]!);
        Tensor W(string name) => Read(checkpoint, name);
        Tensor Norm(Tensor y, string name) => LayerNorm(y, W(name + ".weight"), W(name + ".bias"), eps);
        Tensor Mlp(Tensor y, string p) =>
            Gelu(y.matmul(W(p + "mlp.dense_h_to_4h.weight").t()) + W(p + "mlp.dense_h_to_4h.bias"))
                .matmul(W(p + "mlp.dense_4h_to_h.weight").t()) + W(p + "mlp.dense_4h_to_h.bias");

        var x = W("gpt_neox.embed_in.weight").index_select(0, tensor(tokens));
        for (var l = 0; l < Int(json, "num_hidden_layers"); l++)
        {
            var p = $"gpt_neox.layers.{l}.";
            var qkv = Norm(x, p + "input_layernorm").matmul(W(p + "attention.query_key_value.weight").t()) + W(p + "attention.query_key_value.bias");
            // [seq, H, 3d] → q, k, v [H, seq, d]: the rows of each head are its q, then its k, then its v.
            var perHead = qkv.view(seq, h, 3 * d).transpose(0, 1);
            var q = Rope(perHead.narrow(2, 0, d), cos, sin);
            var k = Rope(perHead.narrow(2, d, d), cos, sin);
            var v = perHead.narrow(2, 2 * d, d);
            var attention = Attend(q, k, v, null).matmul(W(p + "attention.dense.weight").t()) + W(p + "attention.dense.bias");
            if (parallel)
            {
                x = x + attention + Mlp(Norm(x, p + "post_attention_layernorm"), p);
            }
            else
            {
                x = x + attention;
                x = x + Mlp(Norm(x, p + "post_attention_layernorm"), p);
            }
        }
        return Norm(x, "gpt_neox.final_layer_norm").matmul(W("embed_out.weight").t()).MoveToOuterDisposeScope();
    }

    private static int Int(JsonObject json, string key) => (int)json[key]!;

    private static Tensor Read(Checkpoint checkpoint, string name)
    {
        var stored = checkpoint.GetTensor(name);
        return tensor(stored.ReadAllDoubles(), ScalarType.Float64).reshape(stored.Shape.ToArray());
    }

    // [seq, n·d] → [n, seq, d].
    private static Tensor Heads(Tensor rows, int n, int d) => rows.view(rows.shape[0], n, d).transpose(0, 1);

    // inv_freq_i = 1/θ^(2i/r); angles duplicated over both halves of the rotated dimensions.
    private static (Tensor Cos, Tensor Sin) Tables(long seq, int rotary, double theta)
    {
        var inverse = full(new long[] { rotary / 2 }, theta, ScalarType.Float64).pow(arange(0, rotary, 2, ScalarType.Float64) / rotary).reciprocal();
        var angles = outer(arange(0, seq, ScalarType.Float64), inverse);
        var both = cat(new[] { angles, angles }, 1);
        return (both.cos(), both.sin());
    }

    // x·cos + rotate_half(x)·sin on the first r dimensions; the rest pass.
    private static Tensor Rope(Tensor x, Tensor cos, Tensor sin)
    {
        var r = cos.shape[1];
        var rotated = x.narrow(2, 0, r);
        var half = r / 2;
        var rotatedHalf = cat(new[] { -rotated.narrow(2, half, half), rotated.narrow(2, 0, half) }, 2);
        return cat(new[] { rotated * cos + rotatedHalf * sin, x.narrow(2, r, x.shape[2] - r) }, 2);
    }

    // softmax(q kᵀ / √d + mask) v over [heads, seq, d], back to [seq, heads·d]; key j is visible to query i when
    // j ≤ i and, with a sliding window w, j > i − w.
    private static Tensor Attend(Tensor q, Tensor k, Tensor v, int? window)
    {
        var seq = q.shape[1];
        var scores = q.matmul(k.transpose(1, 2)) / Math.Sqrt(q.shape[2]);
        var i = arange(0, seq, ScalarType.Int64).unsqueeze(1);
        var j = arange(0, seq, ScalarType.Int64).unsqueeze(0);
        var visible = j.le(i);
        if (window is { } w) visible = visible.logical_and(j.gt(i - w));
        scores = scores.masked_fill(visible.logical_not(), double.NegativeInfinity);
        return scores.softmax(2).matmul(v).transpose(0, 1).reshape(seq, -1);
    }

    private static Tensor Rms(Tensor x, Tensor weight, double eps) => x / (x.square().mean(new long[] { 1 }, keepdim: true) + eps).sqrt() * weight;

    private static Tensor LayerNorm(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var centred = x - x.mean(new long[] { 1 }, keepdim: true);
        return centred / (centred.square().mean(new long[] { 1 }, keepdim: true) + eps).sqrt() * weight + bias;
    }

    private static Tensor Gelu(Tensor x) => 0.5 * x * (1 + (x / Math.Sqrt(2)).erf());
}

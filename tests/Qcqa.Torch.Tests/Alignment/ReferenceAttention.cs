using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>
/// Causal multi-head attention in float64, written out from the definition (RoPE in Transformers' rotate-half
/// convention on the first r dimensions of each head, explicit softmax, per-head KV map), as the reference the aligned
/// merge is held to.
/// </summary>
internal static class ReferenceAttention
{
    /// <param name="query">[H·d, D+1] (bias column last).</param>
    /// <param name="key">[G·d, D+1].</param>
    /// <param name="value">[G·d, D+1].</param>
    /// <param name="output">[D, H·d].</param>
    /// <param name="queryToKv">KV head of each query head.</param>
    /// <param name="x">[T, D] attention input.</param>
    /// <param name="rotary">r, the rotated leading dimensions of each head (partial rotary); null for all d.</param>
    /// <returns>[T, D]</returns>
    internal static Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor output, IReadOnlyList<int> queryToKv, int d, Tensor x, double theta = 10000,
        int? rotary = null)
    {
        var r = rotary ?? d;
        using var scope = NewDisposeScope();
        long t = x.shape[0];
        var augmented = cat(new[] { x, ones(t, 1, ScalarType.Float64) }, 1);
        var q = augmented.matmul(query.t()).view(t, -1, d).transpose(0, 1);
        var k = augmented.matmul(key.t()).view(t, -1, d).transpose(0, 1);
        var v = augmented.matmul(value.t()).view(t, -1, d).transpose(0, 1);
        var (cos, sin) = Tables(t, r, theta);
        q = cat(new[] { Rotate(q.narrow(2, 0, r), cos, sin), q.narrow(2, r, d - r) }, 2);
        k = cat(new[] { Rotate(k.narrow(2, 0, r), cos, sin), k.narrow(2, r, d - r) }, 2);
        var index = tensor(queryToKv.Select(g => (long)g).ToArray(), ScalarType.Int64);
        k = k.index_select(0, index);
        v = v.index_select(0, index);
        var scores = q.matmul(k.transpose(1, 2)) / Math.Sqrt(d);
        scores = scores.masked_fill(ones(t, t, ScalarType.Bool).triu(1), double.NegativeInfinity);
        var attended = scores.softmax(-1).matmul(v); // [H, T, d]
        return attended.transpose(0, 1).reshape(t, -1).matmul(output.t()).MoveToOuterDisposeScope();
    }

    private static (Tensor Cos, Tensor Sin) Tables(long t, int d, double theta)
    {
        var inverse = pow(theta, -arange(0, d, 2, ScalarType.Float64) / d);
        var angles = outer(arange(t, ScalarType.Float64), inverse);
        var both = cat(new[] { angles, angles }, 1);
        return (both.cos(), both.sin());
    }

    private static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.shape[^1] / 2;
        var rotated = cat(new[] { x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half) }, -1);
        return x * cos + rotated * sin;
    }
}

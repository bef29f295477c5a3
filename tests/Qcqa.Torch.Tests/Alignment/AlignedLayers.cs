using Qcqa.Core.Calibration;
using Qcqa.Torch.Alignment;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>Small float64 attention layers with a planted structure, for the aligned merge's tests.</summary>
internal static class AlignedLayers
{
    /// <summary>
    /// An MHA layer whose units in each group differ exactly by the maps the aligned merge can absorb: per rotary pair a
    /// complex factor on the keys (rotation and scale), an invertible map on the key dimensions RoPE leaves unrotated
    /// (partial rotary: the last d − r), an invertible d×d map on the values. Biases on q/k/v when asked.
    /// </summary>
    internal static AttentionMatrices Planted(int[][] groups, int d, int hidden, long seed, bool biases = false, int? rotary = null)
    {
        var generator = manual_seed(seed);
        var units = groups.Sum(g => g.Length);
        var r = rotary ?? d;
        int half = r / 2, pass = d - r;
        var key = zeros(units * d, hidden + 1, ScalarType.Float64);
        var value = zeros(units * d, hidden + 1, ScalarType.Float64);
        foreach (var group in groups)
        {
            var baseKey = randn(d, hidden + 1, ScalarType.Float64);
            var baseValue = randn(d, hidden + 1, ScalarType.Float64);
            if (!biases)
            {
                baseKey[.., hidden] = 0;
                baseValue[.., hidden] = 0;
            }
            foreach (var unit in group)
            {
                var angle = rand(half, ScalarType.Float64) * (2 * Math.PI);
                var scale = rand(half, ScalarType.Float64) * 1.5 + 0.25;
                var (a, b) = ((scale * angle.cos()).unsqueeze(1), (scale * angle.sin()).unsqueeze(1));
                var re = baseKey.narrow(0, 0, half);
                var im = baseKey.narrow(0, half, half);
                key.narrow(0, unit * d, half).copy_(a * re - b * im);
                key.narrow(0, unit * d + half, half).copy_(a * im + b * re);
                if (pass > 0)
                {
                    var passMap = randn(pass, pass, ScalarType.Float64) * 0.5 + eye(pass, dtype: ScalarType.Float64);
                    key.narrow(0, unit * d + r, pass).copy_(passMap.matmul(baseKey.narrow(0, r, pass)));
                }
                var map = randn(d, d, ScalarType.Float64) + eye(d, dtype: ScalarType.Float64) * 2;
                value.narrow(0, unit * d, d).copy_(map.matmul(baseValue));
            }
        }
        var query = randn(units * d, hidden + 1, ScalarType.Float64);
        if (!biases) query[.., hidden] = 0;
        var output = randn(hidden, units * d, ScalarType.Float64) / Math.Sqrt(units * d);
        return AttentionMatrices.FromTensors(query * 0.3, key * 0.3, value, output, Enumerable.Range(0, units).ToArray(), d, biases, biases, biases, r);
    }

    /// <summary>A layer with independent random heads (RoPE on the first <paramref name="rotary"/> dimensions, all when null).</summary>
    internal static AttentionMatrices Random(int units, int d, int hidden, long seed, int? rotary = null)
    {
        manual_seed(seed);
        var query = randn(units * d, hidden + 1, ScalarType.Float64) * 0.3;
        var key = randn(units * d, hidden + 1, ScalarType.Float64) * 0.3;
        var value = randn(units * d, hidden + 1, ScalarType.Float64);
        query[.., hidden] = 0;
        key[.., hidden] = 0;
        value[.., hidden] = 0;
        var output = randn(hidden, units * d, ScalarType.Float64) / Math.Sqrt(units * d);
        return AttentionMatrices.FromTensors(query, key, value, output, Enumerable.Range(0, units).ToArray(), d, rotaryDimensions: rotary);
    }

    /// <summary>
    /// Calibration statistics of random correlated inputs for <paramref name="layer"/>: C̃ = E[x̃x̃ᵀ] of 2·hidden tokens
    /// x̃ = (x, 1), and a positive output spread per query head.
    /// </summary>
    internal static LayerCalibration RandomCalibration(AttentionMatrices layer, long seed)
    {
        using var scope = NewDisposeScope();
        manual_seed(seed);
        var hidden = layer.HiddenSize;
        var tokens = 2 * hidden;
        var mixing = randn(hidden, hidden, ScalarType.Float64) / Math.Sqrt(hidden) + eye(hidden, dtype: ScalarType.Float64);
        var inputs = cat(new[] { randn(tokens, hidden, ScalarType.Float64).matmul(mixing), ones(tokens, 1, ScalarType.Float64) }, 1);
        var moment = inputs.t().matmul(inputs) / tokens;
        var spread = rand(layer.QueryHeads, ScalarType.Float64) + 0.5;
        return new LayerCalibration(hidden, moment.data<double>().ToArray(), spread.data<double>().ToArray());
    }
}

using Qcqa.Core.Checkpoints;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Calibration;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Alignment;

/// <summary>The calibration pass against the statistics computed directly from the layers' definitions.</summary>
public sealed class CalibrationRunnerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheMomentsAndOutputSpreadsEqualADirectComputation()
    {
        var folder = SyntheticModels.Write(_temp.Combine("model"), SyntheticModels.Options(biases: true));
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);
        var tokens = ModelRuns.Tokens(64, 3, 16, seed: 5);
        var flat = tokens.reshape(-1).data<long>().ToArray();

        var statistics = CalibrationRunner.Run(model, flat, new CalibrationOptions { WindowSize = 16, BatchSize = 2 });

        Assert.Equal(48, statistics.Tokens);
        using var noGrad = no_grad();
        var hidden = model.Stack.Embedding.forward(tokens);
        var (cos, sin) = model.Stack.Rotary.Tables(0, 16);
        for (var l = 0; l < SyntheticModels.Layers; l++)
        {
            var layer = model.Stack.Layers[l];
            var x = layer.InputNorm.forward(hidden).to_type(ScalarType.Float64).reshape(-1, 36);
            var augmented = cat(new[] { x, ones(48, 1, ScalarType.Float64) }, 1);
            var moment = augmented.t().matmul(augmented) / 48.0;
            var expected = moment.data<double>().ToArray();
            var actual = statistics.Layers[l].InputMoment.ToArray();
            for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6 * (1 + Math.Abs(expected[i])));

            var spread = DirectSpread(layer.Attention, x.reshape(3, 16, 36), 10);
            for (var h = 0; h < 6; h++)
                Assert.Equal(spread[h], statistics.Layers[l].HeadOutputSpread[h], 1e-5 * (1 + spread[h]));
            hidden = layer.Forward(hidden, cos, sin, null);
        }
    }

    [Fact]
    public void GivenTextShorterThanOneWindowItSaysSo()
    {
        var folder = SyntheticModels.Write(_temp.Combine("model"), SyntheticModels.Options());
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);

        var error = Assert.Throws<Core.Diagnostics.QcqaException>(() =>
            CalibrationRunner.Run(model, new long[10], new CalibrationOptions { WindowSize = 16 }, "calibration.txt"));

        Assert.Equal("QCQA050", error.Code);
        Assert.Contains("fewer than one window of 16", error.Message);
        Assert.Equal("calibration.txt", error.File);
    }

    // κ_h = mean over query tokens of Σ_s a_ts ‖o_s − ō_t‖², written out per head, per window, in float64.
    private static double[] DirectSpread(LlamaAttention attention, Tensor x, int d)
    {
        var weights = new Func<Projection, (Tensor, Tensor?)>(p => (p.Weight.to_type(ScalarType.Float64), p.Bias?.to_type(ScalarType.Float64)));
        Tensor Apply(Projection p, Tensor input)
        {
            var (w, b) = weights(p);
            var y = input.matmul(w.t());
            return b is null ? y : y + b;
        }
        long batch = x.shape[0], t = x.shape[1];
        var q = Apply(attention.Query, x).view(batch, t, 6, d).transpose(1, 2);
        var k = Apply(attention.Key, x).view(batch, t, 6, d).transpose(1, 2);
        var v = Apply(attention.Value, x).view(batch, t, 6, d).transpose(1, 2);
        var inverse = pow(10000.0, -arange(0, d, 2, ScalarType.Float64) / d);
        var angles = outer(arange(t, ScalarType.Float64), inverse);
        var cos = cat(new[] { angles, angles }, 1).cos();
        var sin = cat(new[] { angles, angles }, 1).sin();
        Tensor Rotate(Tensor y) => y * cos + cat(new[] { y.narrow(-1, d / 2, d / 2).neg(), y.narrow(-1, 0, d / 2) }, -1) * sin;
        var scores = Rotate(q).matmul(Rotate(k).transpose(2, 3)) / Math.Sqrt(d);
        var a = scores.masked_fill(ones(t, t, ScalarType.Bool).triu(1), double.NegativeInfinity).softmax(-1);
        var o = attention.Output.Weight.to_type(ScalarType.Float64);
        var result = new double[6];
        for (var h = 0; h < 6; h++)
        {
            var outputs = v.select(1, h).matmul(o.narrow(1, h * d, d).t()); // [batch, t, D]
            var attended = a.select(1, h).matmul(outputs);
            var meanSquare = a.select(1, h).matmul(outputs.square().sum(-1, keepdim: true)).squeeze(-1);
            result[h] = (meanSquare - attended.square().sum(-1)).sum().item<double>() / (batch * t);
        }
        return result;
    }
}

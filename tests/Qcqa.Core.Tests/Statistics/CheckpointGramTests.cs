using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Synthetic;
using Qcqa.Core.Wse;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Statistics;

public class CheckpointGramTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void DirectAndGramWseAgreeOnRandomGroupingsOfF64Weights()
    {
        var path = SyntheticModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 12, HeadDim = 7, Hidden = 30, Dtype = SafetensorsDtype.F64, Clusters = 3 });
        using var checkpoint = Checkpoint.Open(path);
        var random = new Random(11);
        for (var layer = 0; layer < 2; layer++)
        {
            var gram = CheckpointGram.Compute(checkpoint, layer);
            var keys = checkpoint.ReadKeyWeight(layer);
            var values = checkpoint.ReadValueWeight(layer);
            for (var trial = 0; trial < 25; trial++)
            {
                var labels = Enumerable.Range(0, 12).Select(_ => random.Next(1 + trial % 6)).ToArray();
                var grouping = LayerGrouping.FromLabels(labels);
                var direct = WseCalculator.Direct(keys, values, grouping);
                var fromGram = WseCalculator.FromGram(gram, grouping);
                Assert.True(Math.Abs(direct - fromGram) <= 1e-9 * Math.Max(direct, gram.Trace * 1e-6), $"direct {direct} vs Gram {fromGram} for {grouping}");
            }
        }
    }

    [Theory]
    [InlineData(SafetensorsDtype.BF16)]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.F32)]
    public void TheGramMatrixOfAnyDtypeIsTheExactProductOfTheStoredValues(SafetensorsDtype dtype)
    {
        var path = SyntheticModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 6, KvHeads = 3, HeadDim = 5, Hidden = 16, Dtype = dtype });
        using var checkpoint = Checkpoint.Open(path);
        var gram = CheckpointGram.Compute(checkpoint, 0);
        Assert.Equal(3, gram.Size);
        var k = checkpoint.ReadKeyWeight(0);
        var v = checkpoint.ReadValueWeight(0);
        var n = 5 * 16;
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
            {
                var expected = 0.0;
                for (var e = 0; e < n; e++) expected += k[i * n + e] * k[j * n + e] + v[i * n + e] * v[j * n + e];
                Assert.Equal(expected, gram[i, j], 1e-12);
            }
    }

    [Fact]
    public void WithBiasesTheGramWseIsTheDirectWseOfWeightsAndBiasesTogether()
    {
        var path = SyntheticModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 6, HeadDim = 4, Hidden = 10, Dtype = SafetensorsDtype.F64, Biases = true });
        using var checkpoint = Checkpoint.Open(path);
        var attention = checkpoint.Attention(0);
        var keys = Augment(checkpoint.ReadKeyWeight(0), attention.KeyBias!.ReadAllDoubles(), 6);
        var values = Augment(checkpoint.ReadValueWeight(0), attention.ValueBias!.ReadAllDoubles(), 6);
        var grouping = LayerGrouping.FromGroups(6, [[0, 3], [1, 2, 5], [4]]);
        var withBiases = WseCalculator.FromGram(CheckpointGram.Compute(checkpoint, 0), grouping);
        var withoutBiases = WseCalculator.FromGram(CheckpointGram.Compute(checkpoint, 0, includeBiases: false), grouping);
        Assert.Equal(WseCalculator.Direct(keys, values, grouping), withBiases, 1e-12);
        Assert.Equal(WseCalculator.Direct(checkpoint.ReadKeyWeight(0), checkpoint.ReadValueWeight(0), grouping), withoutBiases, 1e-12);
    }

    // Head h's vector becomes [weight block h, bias slice h].
    private static double[] Augment(double[] weight, double[] bias, int heads)
    {
        var w = weight.Length / heads;
        var b = bias.Length / heads;
        var result = new double[weight.Length + bias.Length];
        for (var h = 0; h < heads; h++)
        {
            weight.AsSpan(h * w, w).CopyTo(result.AsSpan(h * (w + b)));
            bias.AsSpan(h * b, b).CopyTo(result.AsSpan(h * (w + b) + w));
        }
        return result;
    }
}

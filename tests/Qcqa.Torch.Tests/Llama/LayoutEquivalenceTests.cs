using Qcqa.Torch.Llama;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

/// <summary>
/// A grouped layout computes what MHA computes with the explicitly repeated K/V heads. Mathematically the two are
/// identical; numerically they agree to float32 rounding, not always to the bit, because the K/V projections are
/// matrix products of different widths (G·d vs H·d rows) and the BLAS kernel, hence the summation order, depends on
/// the width: on this CPU a 10-row projection differs from the same rows of a 60-row one by up to 1.4e-6, while 20-
/// and 30-row ones match exactly. The tolerance below is two orders of magnitude under the effect of a wrong map.
/// </summary>
public sealed class LayoutEquivalenceTests
{
    private const double Rounding = 2e-5;

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(1, false)]
    public void RepeatKvGqaEqualsMhaWithRepeatedKeyValueWeights(int kvHeads, bool bias)
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(kvHeads: kvHeads, bias: bias);
        var weights = TinyLlama.RandomWeights(config, 10);
        using var gqa = LlamaModel.FromWeights(config, weights);
        using var mha = LlamaModel.FromWeights(TinyLlama.AsMultiHead(config), TinyLlama.ExpandToMultiHead(config, weights));
        var tokens = TinyLlama.Tokens(config, 2, 8, 11);
        using var noGrad = no_grad();

        var expected = mha.forward(tokens);
        var actual = gqa.forward(tokens);

        TensorAssert.Close(expected, actual, Rounding);
    }

    [Fact]
    public void PerLayerQueryToKvMapsEqualMhaWithDuplicatedHeads()
    {
        using var scope = NewDisposeScope();
        AttentionLayout[] layouts =
        [
            AttentionLayout.FromMap([2, 0, 1, 0, 0, 3]), // G = 4: {1, 3, 4}, {2}, {0}, {5}
            AttentionLayout.FromMap([0, 0, 0, 0, 0, 0]), // G = 1: one shared head (MQA)
        ];
        var config = TinyLlama.Config(layouts: layouts, bias: true);
        var weights = TinyLlama.RandomWeights(config, 12);
        using var grouped = LlamaModel.FromWeights(config, weights);
        using var mha = LlamaModel.FromWeights(TinyLlama.AsMultiHead(config), TinyLlama.ExpandToMultiHead(config, weights));
        var tokens = TinyLlama.Tokens(config, 1, 12, 13);
        using var noGrad = no_grad();

        TensorAssert.Close(mha.forward(tokens), grouped.forward(tokens), Rounding);
    }

    [Fact]
    public void AWrongMapChangesTheLogits()
    {
        // Guards the two tests above: the equivalence must not hold by accident (e.g. if heads were ignored).
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(layouts: [AttentionLayout.FromMap([0, 1, 0, 1, 0, 1]), AttentionLayout.FromMap([0, 1, 0, 1, 0, 1])]);
        var weights = TinyLlama.RandomWeights(config, 14);
        var swapped = config with { LayerLayouts = [AttentionLayout.FromMap([1, 0, 1, 0, 1, 0]), AttentionLayout.FromMap([0, 1, 0, 1, 0, 1])] };
        using var right = LlamaModel.FromWeights(config, weights);
        using var wrong = LlamaModel.FromWeights(swapped, weights);
        var tokens = TinyLlama.Tokens(config, 1, 6, 15);
        using var noGrad = no_grad();

        var diff = (right.forward(tokens) - wrong.forward(tokens)).abs().max().item<float>();

        Assert.True(diff > 100 * Rounding, $"max |difference| = {diff}");
    }
}

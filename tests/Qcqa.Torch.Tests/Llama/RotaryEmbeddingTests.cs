using Qcqa.Torch.Llama;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

public sealed class RotaryEmbeddingTests
{
    [Fact]
    public void InverseFrequenciesAreOneOverThetaToTheTwoIOverD()
    {
        using var rope = new RotaryEmbedding("rope", 4, 10000, CPU);

        // i = 0: 1/10000⁰ = 1; i = 1: 1/10000^(2/4) = 0.01
        TensorAssert.Values([1, 0.01], rope.InverseFrequencies, 7);
    }

    [Fact]
    public void RotateHalfSwapsTheHalvesAndNegatesTheSecond()
    {
        using var scope = NewDisposeScope();

        var y = RotaryEmbedding.RotateHalf(tensor(new float[] { 1, 2, 3, 4 }));

        TensorAssert.Values([-3, -4, 1, 2], y);
    }

    [Fact]
    public void PositionZeroIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        using var rope = new RotaryEmbedding("rope", 4, 10000, CPU);
        var (cos, sin) = rope.Tables(0, 1);
        var x = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 1, 4);

        TensorAssert.Values([1, 2, 3, 4], RotaryEmbedding.Apply(x, cos, sin));
    }

    [Fact]
    public void PositionOneRotatesEachFrequencyPairByItsAngle()
    {
        using var scope = NewDisposeScope();
        using var rope = new RotaryEmbedding("rope", 4, 10000, CPU);
        var (cos, sin) = rope.Tables(1, 1);
        var x = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 1, 4);

        var y = RotaryEmbedding.Apply(x, cos, sin);

        // Pairs are (x₀, x₂) at angle 1 and (x₁, x₃) at angle 0.01: x·cos + rotate_half(x)·sin.
        double c1 = Math.Cos(1), s1 = Math.Sin(1), c2 = Math.Cos(0.01), s2 = Math.Sin(0.01);
        TensorAssert.Values([1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2], y);
    }

    [Fact]
    public void TablesStartAtTheRequestedPosition()
    {
        using var scope = NewDisposeScope();
        using var rope = new RotaryEmbedding("rope", 4, 10000, CPU);

        var (cos, sin) = rope.Tables(2, 2);

        Assert.Equal(new long[] { 2, 4 }, cos.shape);
        TensorAssert.Values([Math.Cos(2), Math.Cos(0.02), Math.Cos(2), Math.Cos(0.02)], cos[0]);
        TensorAssert.Values([Math.Sin(3), Math.Sin(0.03), Math.Sin(3), Math.Sin(0.03)], sin[1]);
    }
}

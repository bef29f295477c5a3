using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

/// <summary>Tensor comparisons with messages that say how far apart the tensors are.</summary>
internal static class TensorAssert
{
    /// <summary>Asserts equal shapes and max |a − b| ≤ <paramref name="tolerance"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tolerance, $"max |difference| = {diff:G4} exceeds {tolerance:G4}.");
    }

    /// <summary>Asserts bit-identical values.</summary>
    public static void Identical(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected - actual).abs().max().item<float>();
        Assert.True(expected.eq(actual).all().item<bool>(), $"tensors differ; max |difference| = {diff:G4}.");
    }

    /// <summary>Asserts the values of a small tensor against doubles.</summary>
    public static void Values(double[] expected, Tensor actual, int precision = 5)
    {
        var values = actual.to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], precision);
    }
}

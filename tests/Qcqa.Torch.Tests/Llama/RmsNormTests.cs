using Qcqa.Torch.Llama;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

public sealed class RmsNormTests
{
    [Fact]
    public void ItScalesByTheReciprocalRootMeanSquareAndTheWeight()
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm("norm", 4, 1e-6, CPU);
        using (no_grad()) norm.Weight.copy_(tensor(new float[] { 1, 1, 2, 0.5f }));

        var y = norm.forward(tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 4));

        // mean(x²) = 30/4 = 7.5, so every element is divided by √(7.5 + 1e-6) before the weight.
        var r = 1 / Math.Sqrt(7.5 + 1e-6);
        TensorAssert.Values([1 * r, 2 * r, 3 * r * 2, 4 * r * 0.5], y);
    }

    [Fact]
    public void EachRowIsNormalisedOnItsOwnAndEpsilonMatters()
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm("norm", 2, 0.25, CPU);

        var y = norm.forward(tensor(new float[] { 3, 4, 0, 0 }).reshape(2, 2));

        // Row 1: mean square 12.5; row 2 is all zero and stays zero (eps keeps the division finite).
        var r = 1 / Math.Sqrt(12.5 + 0.25);
        TensorAssert.Values([3 * r, 4 * r, 0, 0], y);
    }
}

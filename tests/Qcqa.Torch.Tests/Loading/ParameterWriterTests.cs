using Qcqa.Torch.Loading;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Loading;

/// <summary>Weights written in runs land at the right offsets of the parameter's storage.</summary>
public sealed class ParameterWriterTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(30)]
    [InlineData(1000)]
    public void RunsOfAnyLengthFillTheParameterInRowMajorOrder(long chunk)
    {
        using var scope = NewDisposeScope();
        var values = Enumerable.Range(0, 30).Select(i => i * 0.5f).ToArray();
        var parameter = zeros(5, 6);
        var runs = new List<(long, int)>();
        var source = new WeightSource("w", (offset, destination) =>
        {
            runs.Add((offset, destination.Length));
            values.AsSpan((int)offset, destination.Length).CopyTo(destination);
        });

        ParameterWriter.Fill(parameter, source, chunk);

        Assert.Equal(values, parameter.data<float>().ToArray());
        Assert.Equal((int)Math.Ceiling(30.0 / chunk), runs.Count);
    }
}

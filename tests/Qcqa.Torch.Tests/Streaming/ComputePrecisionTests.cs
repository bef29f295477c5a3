using Qcqa.Core.Checkpoints;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Tests.Llama;
using Qcqa.Torch.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Streaming;

/// <summary>
/// <c>evaluation.precision: bfloat16</c>: the projections multiply in bfloat16 and everything else stays float32, so
/// a bfloat16 projection is exactly the bfloat16 product of its rounded input and weight, and a whole model's
/// logits and perplexity stay close to float32's (while differing from them: the setting takes effect).
/// </summary>
public sealed class ComputePrecisionTests
{
    [Fact]
    public void ABFloat16ProjectionIsTheBFloat16ProductOfItsRoundedInputWidenedToFloat32()
    {
        using var scope = NewDisposeScope();
        using var projection = new Projection("p", 24, 10, hasBias: true, CPU);
        using (no_grad())
        {
            projection.Weight.copy_(randn(10, 24, generator: new Generator(3)));
            projection.Bias!.copy_(randn(10, generator: new Generator(4)));
        }
        var input = randn(new long[] { 5, 24 }, generator: new Generator(5));
        var weight = projection.Weight.detach().to_type(ScalarType.BFloat16);
        var bias = projection.Bias!.detach().to_type(ScalarType.BFloat16);

        projection.to(ScalarType.BFloat16);
        using var noGrad = no_grad();
        var output = projection.forward(input);

        Assert.Equal(ScalarType.Float32, output.dtype);
        TensorAssert.Identical(nn.functional.linear(input.to_type(ScalarType.BFloat16), weight, bias).to_type(ScalarType.Float32), output);
    }

    [Fact]
    public void ABFloat16EvaluationStaysWithinAPercentOfFloat32sPerplexityAndIsNotIdenticalToIt()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small with { Dtype = SafetensorsDtype.BF16 });
        var tokens = ModelRuns.Tokens(64, 1, 161, seed: 9)[0].data<long>().ToArray();
        var options = new PerplexityOptions { WindowSize = 32, BatchSize = 2 };

        PerplexityResult Evaluate(ScalarType type)
        {
            using var checkpoint = Checkpoint.Open(folder);
            using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Residency = LayerResidency.Streamed, ProjectionType = type });
            return PerplexityEvaluator.Evaluate(new StreamedDecoder(weights), tokens, options);
        }
        var full = Evaluate(ScalarType.Float32);
        var half = Evaluate(ScalarType.BFloat16);

        Assert.NotEqual(full.MeanNll, half.MeanNll);
        Assert.InRange(half.Perplexity / full.Perplexity, 0.99, 1.01);
    }
}

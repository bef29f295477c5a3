using Qcqa.Core.Checkpoints;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Sensitivity;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Streaming;

/// <summary>
/// The gradient sensitivities computed layer by layer (a streamed forward pass, then each layer recomputed from its
/// stored input and back-propagated alone) equal those of one autograd pass through the whole model.
/// </summary>
public sealed class GradientSensitivityTests
{
    private const int Window = 16;

    [Fact]
    public void TheLayerByLayerBackwardPassGivesTheWholeModelsGradients()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        var tokens = ModelRuns.Tokens(64, 1, 3 * Window, seed: 11)[0].data<long>().ToArray();

        using var checkpoint = Checkpoint.Open(folder);
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Residency = LayerResidency.Streamed });
        var streamed = GradientSensitivity.Measure(new StreamedDecoder(weights), tokens, Window, batchSize: 2);
        using var model = CheckpointModelLoader.Load(checkpoint);
        var whole = WholeModel(model, tokens);

        Assert.Equal(whole.Length, streamed.Length);
        for (var l = 0; l < whole.Length; l++)
            Assert.True(Math.Abs(whole[l] - streamed[l]) <= 1e-5 * whole[l], $"layer {l}: whole {whole[l]:G9}, streamed {streamed[l]:G9}");
        Assert.All(streamed, s => Assert.True(s > 0));
    }

    [Fact]
    public void TheSameTextGivesTheSameSensitivitiesAndTheModelsParametersStillTrain()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp, SyntheticModels.Small);
        var tokens = ModelRuns.Tokens(64, 1, 2 * Window, seed: 5)[0].data<long>().ToArray();
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);
        var decoder = new StreamedDecoder(new ModelDecoderWeights(model));

        var first = GradientSensitivity.Measure(decoder, tokens, Window, batchSize: 1);
        var second = GradientSensitivity.Measure(decoder, tokens, Window, batchSize: 2);

        for (var l = 0; l < first.Length; l++) Assert.True(Math.Abs(first[l] - second[l]) <= 1e-5 * first[l]);
        // The probe turns parameter gradients off while it runs and back on afterwards.
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    // The same objective, with one autograd graph through every layer: probes on every attention output, one backward.
    private static double[] WholeModel(LlamaModel model, long[] tokens)
    {
        var windows = tokens.Length / Window;
        var input = tensor(tokens.Take(windows * Window).ToArray(), ScalarType.Int64).reshape(windows, Window);
        var probes = new Probes(model.Config.NumHiddenLayers);
        var logProbabilities = model.Forward(input, null, probes).log_softmax(-1);
        // The streamed probe samples its labels batch by batch from one generator; with batches of 2 windows over
        // 3 windows that is [2, W] then [1, W]: sample in the same order.
        var generator = new Generator(GradientSensitivity.LabelSeed, CPU);
        var vocab = logProbabilities.shape[^1];
        Tensor labels;
        using (no_grad())
        {
            var p = logProbabilities.detach().exp();
            var firstLabels = p.narrow(0, 0, 2).reshape(-1, vocab).multinomial(1, generator: generator).reshape(2, Window, 1);
            var secondLabels = p.narrow(0, 2, 1).reshape(-1, vocab).multinomial(1, generator: generator).reshape(1, Window, 1);
            labels = cat([firstLabels, secondLabels], 0);
        }
        logProbabilities.gather(2, labels).sum().backward();
        return probes.Tensors.Select(t => 0.5 * t!.grad!.square().sum().to_type(ScalarType.Float64).item<double>() / (windows * Window * model.Config.HiddenSize)).ToArray();
    }

    private sealed class Probes(int layers) : IAttentionObserver
    {
        public Tensor?[] Tensors { get; } = new Tensor?[layers];

        public void AttentionInput(int layer, LlamaAttention attention, Tensor normalized)
        {
        }

        public Tensor AttentionOutput(int layer, Tensor output)
        {
            Tensors[layer] = zeros_like(output).requires_grad_(true).DetachFromDisposeScope();
            return output + Tensors[layer]!;
        }
    }
}

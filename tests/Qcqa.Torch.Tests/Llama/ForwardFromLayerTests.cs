using Qcqa.Torch.Llama;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

/// <summary>Running the model from a layer's input stream reproduces the full forward pass (what the KL probe relies on).</summary>
public sealed class ForwardFromLayerTests
{
    [Fact]
    public void FromEveryLayerTheLogitsAreThoseOfTheFullPass()
    {
        var config = TinyLlama.Config();
        using var model = LlamaModel.FromWeights(config, TinyLlama.RandomWeights(config, seed: 4));
        var tokens = TinyLlama.Tokens(config, 2, 12, seed: 5);
        using var noGrad = no_grad();
        var full = model.forward(tokens);

        var inputs = model.Stack.LayerInputs(tokens);

        Assert.Equal(config.NumHiddenLayers, inputs.Length);
        for (var layer = 0; layer < inputs.Length; layer++)
        {
            var partial = model.ForwardFrom(layer, inputs[layer]);
            Assert.True(full.equal(partial).all().item<bool>() || (full - partial).abs().max().item<float>() < 1e-6f, $"layer {layer}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardFrom(config.NumHiddenLayers, inputs[0]));
    }
}

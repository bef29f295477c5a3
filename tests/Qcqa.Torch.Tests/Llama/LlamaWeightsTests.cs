using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;
using Xunit;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Llama;

public sealed class LlamaWeightsTests
{
    [Fact]
    public void GivenAMissingTensorTheErrorNamesItAndItsShape()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(kvHeads: 2);
        var weights = TinyLlama.RandomWeights(config, 1);
        weights.Remove("model.layers.1.self_attn.k_proj.weight");

        var e = Assert.Throws<QcqaException>(() => LlamaModel.FromWeights(config, weights));

        Assert.Equal(ErrorCodes.MissingTensor, e.Code);
        Assert.Contains("'model.layers.1.self_attn.k_proj.weight'", e.Message);
        Assert.Contains("[20, 60]", e.Message);
    }

    [Fact]
    public void GivenAMisShapedTensorTheErrorNamesBothShapes()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(kvHeads: 2);
        var weights = TinyLlama.RandomWeights(config, 1);
        weights["model.layers.0.self_attn.v_proj.weight"] = zeros(60, 60);

        var e = Assert.Throws<QcqaException>(() => LlamaModel.FromWeights(config, weights));

        Assert.Equal(ErrorCodes.ShapeMismatch, e.Code);
        Assert.Contains("'model.layers.0.self_attn.v_proj.weight' has shape [60, 60]; expected [20, 60]", e.Message);
    }

    [Fact]
    public void GivenAttentionBiasTheBiasesAreRequired()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(bias: true);
        var weights = TinyLlama.RandomWeights(TinyLlama.Config(), 1);

        var e = Assert.Throws<QcqaException>(() => LlamaModel.FromWeights(config, weights));

        Assert.Equal(ErrorCodes.MissingTensor, e.Code);
        Assert.Contains("q_proj.bias", e.Message);
    }

    [Fact]
    public void GivenATensorTheConfigDoesNotDescribeItIsRejected()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config();
        var weights = TinyLlama.RandomWeights(config, 1);
        weights["model.layers.2.mlp.up_proj.weight"] = zeros(96, 60);

        var e = Assert.Throws<QcqaException>(() => LlamaModel.FromWeights(config, weights));

        Assert.Equal(ErrorCodes.BadModelConfig, e.Code);
        Assert.Contains("model.layers.2.mlp.up_proj.weight", e.Message);
    }

    [Fact]
    public void HalfPrecisionWeightsAreAcceptedAndComputedInFloat32()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config();
        var weights = TinyLlama.RandomWeights(config, 2).ToDictionary(p => p.Key, p => p.Value.to_type(ScalarType.BFloat16));

        using var model = LlamaModel.FromWeights(config, weights);

        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void ParameterNamesAreTheHuggingFaceCheckpointNames(bool bias, bool tied)
    {
        var config = TinyLlama.Config(kvHeads: 3, bias: bias, tied: tied);
        using var model = new LlamaModel(config, seed: 1);

        var names = model.named_parameters().Select(p => p.name).Order(StringComparer.Ordinal);

        Assert.Equal(LlamaWeightShapes.Expected(config).Select(e => e.Key).Order(StringComparer.Ordinal), names);
        Assert.Equal(!tied, names.Contains("lm_head.weight"));
        Assert.Equal(bias, names.Contains("model.layers.0.self_attn.o_proj.bias"));
    }

    [Fact]
    public void ExportedWeightsRebuildAModelWithTheSameLogits()
    {
        using var scope = NewDisposeScope();
        var config = TinyLlama.Config(layouts: [AttentionLayout.FromMap([0, 0, 1, 1, 2, 2]), AttentionLayout.MultiHead(6)], tied: true);
        using var original = new LlamaModel(config, seed: 3);
        var exported = original.ExportWeights();

        using var rebuilt = LlamaModel.FromWeights(config, exported);

        var tokens = TinyLlama.Tokens(config, 1, 5, 4);
        using var noGrad = no_grad();
        TensorAssert.Identical(original.forward(tokens), rebuilt.forward(tokens));
        Assert.DoesNotContain("lm_head.weight", exported.Keys);
        foreach (var t in exported.Values) t.Dispose();
    }

    [Fact]
    public void RandomInitialisationIsSeededAndFollowsLlamasScheme()
    {
        var config = TinyLlama.Config();
        using var a = new LlamaModel(config, seed: 7);
        using var b = new LlamaModel(config, seed: 7);
        using var scope = NewDisposeScope();

        var pa = a.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);

        Assert.All(pa, p => Assert.True(p.Value.eq(pb[p.Key]).all().item<bool>(), p.Key));
        Assert.True(pa["model.norm.weight"].eq(1).all().item<bool>());
        var std = pa["model.layers.0.mlp.up_proj.weight"].std().item<float>();
        Assert.InRange(std, 0.018, 0.022);
    }
}

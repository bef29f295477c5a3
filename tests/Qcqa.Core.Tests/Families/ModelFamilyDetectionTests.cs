using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Families;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Families;

/// <summary>config.json chooses the family: <c>architectures</c> first, then <c>model_type</c>, Llama when it names neither.</summary>
public sealed class ModelFamilyDetectionTests : IDisposable
{
    private const string Geometry = "\"num_attention_heads\": 4, \"hidden_size\": 32, \"num_hidden_layers\": 2";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ModelConfig Load(string keys) => ModelConfig.Load(_folder.Write("config.json", $"{{{Geometry}, {keys}}}"));

    [Theory]
    [InlineData("\"architectures\": [\"LlamaForCausalLM\"]", "llama")]
    [InlineData("\"architectures\": [\"MistralForCausalLM\"], \"model_type\": \"mistral\"", "llama")]
    [InlineData("\"architectures\": [\"Qwen2ForCausalLM\"], \"model_type\": \"qwen2\"", "llama")]
    [InlineData("\"architectures\": [\"Phi3ForCausalLM\"], \"model_type\": \"phi3\"", "phi3")]
    [InlineData("\"architectures\": [\"GPTNeoXForCausalLM\"], \"model_type\": \"gpt_neox\"", "gpt_neox")]
    [InlineData("\"model_type\": \"phi3\"", "phi3")]
    [InlineData("\"model_type\": \"gpt_neox\"", "gpt_neox")]
    [InlineData("\"architectures\": [\"MyLlamaVariant\"], \"model_type\": \"llama\"", "llama")]
    [InlineData("\"architectures\": null, \"model_type\": \"gpt_neox\"", "gpt_neox")]
    [InlineData("\"torch_dtype\": \"float32\"", "llama")]
    public void GivenTheConfigsNamesTheFamilyIsChosen(string keys, string family)
    {
        Assert.Equal(family, Load(keys).Family.Name);
    }

    [Fact]
    public void GivenAnUnsupportedArchitectureTheErrorPointsAtItAndListsTheSupportedOnes()
    {
        var error = Assert.Throws<QcqaException>(() => Load("\n\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\""));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Equal(2, error.Line);
        Assert.Contains("'GPT2LMHeadModel' is not supported", error.Message);
        foreach (var architecture in ModelFamilies.All.SelectMany(f => f.Architectures)) Assert.Contains(architecture, error.Message);
        Assert.Contains("(gpt_neox)", error.Message);
    }

    [Fact]
    public void GivenOnlyAnUnsupportedModelTypeTheErrorNamesIt()
    {
        var error = Assert.Throws<QcqaException>(() => Load("\"model_type\": \"falcon\""));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Contains("model_type 'falcon' is not supported", error.Message);
        Assert.Contains("Phi3ForCausalLM", error.Message);
    }

    [Fact]
    public void GivenArchitecturesThatAreNotAListOfStringsTheErrorSaysSo()
    {
        var error = Assert.Throws<QcqaException>(() => Load("\"architectures\": \"LlamaForCausalLM\""));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Contains("\"architectures\" must be a list of strings", error.Message);
    }

    [Fact]
    public void GivenAGptNeoxConfigWithAKvHeadCountItIsRefusedBecauseItsLoaderIgnoresIt()
    {
        var error = Assert.Throws<QcqaException>(() => Load("\"model_type\": \"gpt_neox\", \"num_key_value_heads\": 2"));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Contains("does not apply to gpt_neox models", error.Message);
    }

    [Fact]
    public void GivenAGptNeoxConfigWithAQcqaBlockTheKvHeadCountComesFromTheBlock()
    {
        var config = Load("\"model_type\": \"gpt_neox\", \"qcqa\": {\"version\": 1, \"layers\": [" +
                          "{\"num_key_value_heads\": 2, \"query_to_kv\": [0, 1, 0, 1]}, {\"num_key_value_heads\": 3, \"query_to_kv\": [0, 1, 2, 2]}]}");

        Assert.Equal(3, config.NumKeyValueHeads);
        Assert.Equal([2, 3], Enumerable.Range(0, 2).Select(config.KeyValueHeads));
    }

    [Fact]
    public void TheSupportedListNamesEveryFamilyOnce()
    {
        Assert.Equal(["llama", "phi3", "gpt_neox"], ModelFamilies.All.Select(f => f.Name));
        Assert.Equal("LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM (llama); Phi3ForCausalLM (phi3); GPTNeoXForCausalLM (gpt_neox)", ModelFamilies.Supported);
    }
}

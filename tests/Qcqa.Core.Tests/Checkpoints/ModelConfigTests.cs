using System.Text;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Checkpoints;

public class ModelConfigTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _path;

    public ModelConfigTests() => _path = _folder.Combine("config.json");

    public void Dispose() => _folder.Dispose();

    private ModelConfig Load(string json)
    {
        File.WriteAllText(_path, json);
        return ModelConfig.Load(_path);
    }

    [Fact]
    public void GivenAnMhaConfigKvHeadsDefaultToHeadsAndHeadDimToHiddenOverHeads()
    {
        var config = Load("""{"model_type": "llama", "num_attention_heads": 8, "hidden_size": 64, "num_hidden_layers": 3, "rope_theta": 10000.0}""");
        Assert.Equal(8, config.NumAttentionHeads);
        Assert.Equal(8, config.NumKeyValueHeads);
        Assert.False(config.DeclaresKeyValueHeads);
        Assert.Equal(8, config.HeadDim);
        Assert.Equal(3, config.NumHiddenLayers);
        Assert.Equal("llama", config.ModelType);
        Assert.Null(config.Qcqa);
        Assert.True(config.IsStandardLayout);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], config.LayerMap(2).QueryToKv);
    }

    [Fact]
    public void GivenAGqaConfigEachKvHeadServesConsecutiveQueryHeads()
    {
        var config = Load("""{"num_attention_heads": 8, "num_key_value_heads": 2, "hidden_size": 40, "head_dim": 12, "num_hidden_layers": 1}""");
        Assert.Equal(2, config.KeyValueHeads(0));
        Assert.Equal(12, config.HeadDim);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], config.LayerMap(0).QueryToKv);
    }

    [Fact]
    public void GivenNoConfigFileItNamesConfigJson()
    {
        QcqaAssert.Throws(ErrorCodes.BadModelConfig, "no config.json", _path, () => ModelConfig.Load(_path));
    }

    [Fact]
    public void GivenInvalidJsonItReportsTheLine()
    {
        File.WriteAllText(_path, "{\n  \"num_attention_heads\": 8,\n  \"hidden_size\": \n}");
        var error = QcqaAssert.Throws(ErrorCodes.BadModelConfig, "not valid JSON", _path, () => ModelConfig.Load(_path));
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void GivenHeadsNotDivisibleByKvHeadsItPointsAtNumKeyValueHeads()
    {
        File.WriteAllText(_path, "{\n  \"num_attention_heads\": 8,\n  \"num_key_value_heads\": 3,\n  \"hidden_size\": 64,\n  \"num_hidden_layers\": 2\n}");
        var error = QcqaAssert.Throws(ErrorCodes.BadModelConfig, "num_attention_heads (8) is not divisible by num_key_value_heads (3)", _path, () => ModelConfig.Load(_path));
        Assert.Equal((3, 3), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("""{"hidden_size": 64, "num_hidden_layers": 2}""", "no \"num_attention_heads\"")]
    [InlineData("""{"num_attention_heads": -8, "hidden_size": 64, "num_hidden_layers": 2}""", "\"num_attention_heads\" must be a positive integer, found -8")]
    [InlineData("""{"num_attention_heads": "8", "hidden_size": 64, "num_hidden_layers": 2}""", "must be a positive integer, found \"8\"")]
    [InlineData("""{"num_attention_heads": 8, "hidden_size": 64.5, "num_hidden_layers": 2}""", "\"hidden_size\" must be a positive integer")]
    [InlineData("""{"num_attention_heads": 6, "hidden_size": 64, "num_hidden_layers": 2}""", "hidden_size (64) is not divisible by num_attention_heads (6)")]
    [InlineData("""{"num_attention_heads": 8, "hidden_size": 64, "num_hidden_layers": 0}""", "\"num_hidden_layers\" must be a positive integer")]
    [InlineData("""[1, 2]""", "must hold a JSON object")]
    public void GivenAnInconsistentConfigItSaysWhatIsWrong(string json, string fragment)
    {
        File.WriteAllText(_path, json);
        QcqaAssert.Throws(ErrorCodes.BadModelConfig, fragment, _path, () => ModelConfig.Load(_path));
    }

    [Fact]
    public void GivenAnExplicitHeadDimTheHiddenSizeNeedNotDivide()
    {
        var config = Load("""{"num_attention_heads": 6, "hidden_size": 64, "head_dim": 10, "num_hidden_layers": 1}""");
        Assert.Equal(10, config.HeadDim);
    }

    [Fact]
    public void GivenAQcqaBlockEachLayerHasItsOwnKvHeadsAndMap()
    {
        var config = Load("""
            {"num_attention_heads": 4, "num_key_value_heads": 3, "hidden_size": 16, "num_hidden_layers": 2,
             "qcqa": {"version": 1, "form": "per_layer_map", "mode": "arbitrary", "layers": [
                {"num_key_value_heads": 3, "query_to_kv": [0, 1, 0, 2]},
                {"num_key_value_heads": 1, "query_to_kv": [0, 0, 0, 0]}]}}
            """);
        Assert.NotNull(config.Qcqa);
        Assert.Equal(GroupingMode.Arbitrary, config.Qcqa!.Mode);
        Assert.Equal(3, config.KeyValueHeads(0));
        Assert.Equal(1, config.KeyValueHeads(1));
        Assert.Equal([0, 1, 0, 2], config.LayerMap(0).QueryToKv);
        Assert.False(config.IsStandardLayout);
    }

    [Theory]
    [InlineData("""{"version": 2, "layers": []}""", "version 2 is not supported")]
    [InlineData("""{"version": 1, "layers": [{"num_key_value_heads": 2, "query_to_kv": [0, 1, 1, 1]}]}""", "has 1 layers but num_hidden_layers is 2")]
    [InlineData("""{"version": 1, "layers": [{"num_key_value_heads": 2, "query_to_kv": [0, 1]}, {"num_key_value_heads": 2, "query_to_kv": [0, 1, 1, 1]}]}""", "one entry per query head (4)")]
    [InlineData("""{"version": 1, "layers": [{"num_key_value_heads": 2, "query_to_kv": [0, 5, 1, 1]}, {"num_key_value_heads": 2, "query_to_kv": [0, 1, 1, 1]}]}""", "query_to_kv[1] must be a KV head index in 0..1")]
    [InlineData("""{"version": 1, "layers": [{"num_key_value_heads": 2, "query_to_kv": [0, 0, 0, 0]}, {"num_key_value_heads": 2, "query_to_kv": [0, 1, 1, 1]}]}""", "KV head 1 is read by no query head")]
    public void GivenAnInvalidQcqaBlockItSaysWhatIsWrong(string block, string fragment)
    {
        File.WriteAllText(_path, $$"""{"num_attention_heads": 4, "num_key_value_heads": 2, "hidden_size": 16, "num_hidden_layers": 2, "qcqa": {{block}}}""");
        QcqaAssert.Throws(ErrorCodes.BadModelConfig, fragment, _path, () => ModelConfig.Load(_path));
    }

    [Fact]
    public void TheWholeJsonObjectIsKeptForWritingBack()
    {
        var config = Load("""{"num_attention_heads": 4, "hidden_size": 16, "num_hidden_layers": 1, "custom": {"nested": [1, 2]}, "rope_scaling": null}""");
        var json = config.ToJsonObject();
        json["num_key_value_heads"] = 2;
        var reparsed = ModelConfig.Parse(Encoding.UTF8.GetBytes(ModelConfig.Serialize(json)), _path);
        Assert.Equal(2, reparsed.NumKeyValueHeads);
        Assert.Equal("[1,2]", reparsed.ToJsonObject()["custom"]!["nested"]!.ToJsonString());
        Assert.True(reparsed.ToJsonObject().ContainsKey("rope_scaling"));
        Assert.False(config.ToJsonObject().ContainsKey("num_key_value_heads")); // the copy given out was a copy
    }

    [Fact]
    public void GivenAKeyListedTwiceItIsReportedAsAConfigError()
    {
        File.WriteAllText(_path, """{"num_attention_heads": 4, "num_attention_heads": 8, "hidden_size": 16, "num_hidden_layers": 1}""");
        QcqaAssert.Throws(ErrorCodes.BadModelConfig, "num_attention_heads", _path, () => ModelConfig.Load(_path));
    }
}

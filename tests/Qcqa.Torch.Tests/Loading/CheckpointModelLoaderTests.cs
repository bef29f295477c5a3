using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.Llama;
using Qcqa.Torch.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Loading;

/// <summary>The loader reads the architecture from config.json and every weight, exactly, from the safetensors files.</summary>
public sealed class CheckpointModelLoaderTests
{
    [Fact]
    public void TheConfigComesFromConfigJsonAndTheBiasTensors()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(biases: true, heads: 8, kvHeads: 4));
        CheckpointEdits.EditConfig(folder, json =>
        {
            json["rms_norm_eps"] = 1e-5;
            json["rope_theta"] = 500000.0;
            json["max_position_embeddings"] = 96;
        });
        using var checkpoint = Checkpoint.Open(folder);

        var config = CheckpointModelLoader.ReadConfig(checkpoint);

        Assert.Equal((64, 36, 40, 3, 8, 4, 10), (config.VocabSize, config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers,
            config.NumAttentionHeads, config.NumKeyValueHeads, config.ResolvedHeadDim));
        Assert.Equal((1e-5, 500000.0, 96), (config.RmsNormEps, config.RopeTheta, config.MaxPositionEmbeddings));
        Assert.True(config.AttentionBias);
        Assert.True(config.HasOutputProjectionBias);
        Assert.False(config.TieWordEmbeddings);
        Assert.Null(config.LayerLayouts);
        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3], config.LayoutOf(2).QueryToKv);
    }

    [Fact]
    public void PerLayerLayoutsComeFromTheQcqaBlockUnlessItIsIgnored()
    {
        using var temp = new TempFolder();
        var input = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options());
        var grouping = new ModelGrouping(GroupingMode.Arbitrary,
        [
            new(0, LayerGrouping.FromLabels([0, 1, 0, 2, 1, 0])),
            new(1, LayerGrouping.Identity(6)),
            new(2, LayerGrouping.FromLabels([0, 0, 1, 1, 1, 1])),
        ]);
        var output = temp.Combine("out");
        using (var original = Checkpoint.Open(input)) CheckpointMerger.Merge(original, grouping, output);
        using var merged = Checkpoint.Open(output);

        var config = CheckpointModelLoader.ReadConfig(merged);
        var ignoring = CheckpointModelLoader.ReadConfig(merged, new CheckpointLoadOptions { IgnoreQcqaBlock = true });

        Assert.Equal([3, 6, 2], Enumerable.Range(0, 3).Select(l => config.LayoutOf(l).KvHeads));
        Assert.Equal([0, 1, 0, 2, 1, 0], config.LayoutOf(0).QueryToKv);
        Assert.Null(ignoring.LayerLayouts);
        Assert.Equal(6, ignoring.NumKeyValueHeads);
    }

    [Theory]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.F16)]
    [InlineData(SafetensorsDtype.BF16)]
    public void EveryParameterHoldsTheStoredValuesWidenedToFloat32(SafetensorsDtype dtype)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(dtype, biases: true, shards: 2));
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);

        var weights = model.ExportWeights();
        Assert.Equal(checkpoint.Tensors.Count(), weights.Count);
        foreach (var (name, tensor) in weights)
        {
            var stored = checkpoint.GetTensor(name);
            Assert.Equal(stored.Shape, tensor.shape);
            Assert.Equal(stored.ReadAllSingles(), tensor.data<float>().ToArray());
        }
    }

    [Fact]
    public void QkvBiasesWithoutAnOutputBiasLoadAsQwen2Style()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(biases: true));
        CheckpointEdits.RewriteWeights(folder, Enumerable.Range(0, SyntheticModels.Layers).Select(LlamaTensorNames.OutputBias).ToHashSet());
        CheckpointEdits.EditConfig(folder, json => json.Remove("attention_bias"));
        using var checkpoint = Checkpoint.Open(folder);

        using var model = CheckpointModelLoader.Load(checkpoint);

        Assert.True(model.Config.AttentionBias);
        Assert.False(model.Config.HasOutputProjectionBias);
    }

    [Fact]
    public void TiedEmbeddingsReuseTheEmbeddingAndIgnoreAStoredLmHead()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options());
        CheckpointEdits.EditConfig(folder, json => json["tie_word_embeddings"] = true);
        using var checkpoint = Checkpoint.Open(folder);

        using var model = CheckpointModelLoader.Load(checkpoint);

        Assert.True(model.Config.TieWordEmbeddings);
        Assert.DoesNotContain(model.named_parameters(), p => p.name == LlamaTensorNames.LmHead);
    }

    [Theory]
    [InlineData("rope_scaling")]
    [InlineData("mlp_bias")]
    [InlineData("hidden_act")]
    [InlineData("vocab_size")]
    public void UnsupportedOrMissingSettingsNameConfigJson(string key)
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options());
        CheckpointEdits.EditConfig(folder, json =>
        {
            switch (key)
            {
                case "rope_scaling": json[key] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0 }; break;
                case "mlp_bias": json[key] = true; break;
                case "hidden_act": json[key] = "gelu"; break;
                default: json.Remove(key); break;
            }
        });
        using var checkpoint = Checkpoint.Open(folder);

        var error = Assert.Throws<QcqaException>(() => CheckpointModelLoader.ReadConfig(checkpoint));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Equal(Path.Combine(folder, "config.json"), error.File);
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void AMissingTensorIsNamedWithTheWeightsFile()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options());
        CheckpointEdits.RewriteWeights(folder, new HashSet<string> { LlamaTensorNames.DownWeight(1) });
        using var checkpoint = Checkpoint.Open(folder);

        var error = Assert.Throws<QcqaException>(() => CheckpointModelLoader.Load(checkpoint));

        Assert.Equal(ErrorCodes.MissingTensor, error.Code);
        Assert.Contains(LlamaTensorNames.DownWeight(1), error.Message);
        Assert.Equal(checkpoint.WeightsPath, error.File);
    }

    [Fact]
    public void ATensorTheConfigDoesNotDescribeIsRejectedRatherThanIgnored()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options());
        CheckpointEdits.RewriteWeights(folder, new HashSet<string>(), new Dictionary<string, float[]> { ["model.layers.0.mlp.down_proj.bias"] = new float[36] });
        using var checkpoint = Checkpoint.Open(folder);

        var error = Assert.Throws<QcqaException>(() => CheckpointModelLoader.Load(checkpoint));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Contains("model.layers.0.mlp.down_proj.bias", error.Message);
    }

    [Fact]
    public void AGroupingThatDoesNotFitTheModelIsAGroupingError()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(heads: 8, kvHeads: 4));
        using var checkpoint = Checkpoint.Open(folder);
        // Eight query heads, but the units of a GQA model are its four KV heads.
        var grouping = ModelGrouping.Uniform(GroupingMode.Gqa, SyntheticModels.Layers, LayerGrouping.Gqa(8, 4));

        var error = Assert.Throws<QcqaException>(() => CheckpointModelLoader.LoadMerged(checkpoint, grouping));

        Assert.Equal(ErrorCodes.BadGrouping, error.Code);
    }

    [Fact]
    public void TheModelLoadsOnEveryAvailableDeviceWithTheSameLogits()
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(SafetensorsDtype.BF16, biases: true));
        var tokens = ModelRuns.Tokens(64, 1, 9, seed: 8);
        var expected = ModelRuns.Logits(folder, tokens);
        var devices = new List<Device> { CPU };
        if (cuda.is_available()) devices.Add(CUDA);

        foreach (var device in devices)
        {
            using var checkpoint = Checkpoint.Open(folder);
            using var model = CheckpointModelLoader.Load(checkpoint, new CheckpointLoadOptions { Device = device });
            TensorAssert.Close(expected, ModelRuns.Run(model, tokens).to(CPU), 1e-4);
        }
    }
}

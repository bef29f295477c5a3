using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Synthetic;
using Qcqa.Core.Tests.TestSupport;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Checkpoints;

public class CheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void GivenASingleFileModelEveryLayerHasValidatedAttentionTensors()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 3, Heads = 4, HeadDim = 6, Hidden = 20, Biases = true });
        using var checkpoint = Checkpoint.Open(path);
        Assert.Null(checkpoint.Index);
        Assert.Single(checkpoint.Files);
        Assert.Equal(3, checkpoint.LayerCount);
        var attention = checkpoint.Attention(2);
        Assert.Equal([24L, 20L], attention.Query.Shape);
        Assert.Equal([24L, 20L], attention.Key.Shape);
        Assert.Equal([20L, 24L], attention.Output.Shape);
        Assert.Equal([24L], attention.KeyBias!.Shape);
        Assert.Equal(24 * 20, checkpoint.ReadKeyWeight(1).Length);
    }

    [Fact]
    public void KvCacheBytesPerTokenCountsKeysAndValuesOfEveryLayer()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 3, Heads = 8, KvHeads = 2, HeadDim = 5, Hidden = 16, Dtype = SafetensorsDtype.BF16 });
        using var checkpoint = Checkpoint.Open(path);
        Assert.Equal(2L * 3 * 2 * 5 * 2, checkpoint.KvCacheBytesPerToken);
    }

    [Fact]
    public void ParameterCountIsTheSumOfAllTensorElements()
    {
        var o = new SyntheticCheckpointOptions { Layers = 2, Heads = 4, HeadDim = 8, Hidden = 32, Intermediate = 48, Vocab = 50 };
        var path = TestModels.Write(_folder, o);
        using var checkpoint = Checkpoint.Open(path);
        long perLayer = 4 * 32 * 32 + 2 * 32 + 3 * 48 * 32;
        Assert.Equal(2 * 50 * 32 + 32 + 2 * perLayer, checkpoint.ParameterCount);
    }

    [Fact]
    public void GivenAShardedModelTensorsAreFoundAcrossShards()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 4, Shards = 3 });
        using var checkpoint = Checkpoint.Open(path);
        Assert.NotNull(checkpoint.Index);
        Assert.Equal(3, checkpoint.Files.Count);
        Assert.True(checkpoint.TryGetTensor(LlamaTensorNames.LmHead, out var head));
        Assert.EndsWith("model-00003-of-00003.safetensors", head!.File.Path);
        Assert.True(checkpoint.TryGetTensor(LlamaTensorNames.EmbedTokens, out var embed));
        Assert.EndsWith("model-00001-of-00003.safetensors", embed!.File.Path);
        QcqaAssert.Throws(ErrorCodes.MissingTensor, "no tensor 'nope'", checkpoint.Index!.Path, () => checkpoint.GetTensor("nope"));
    }

    [Fact]
    public void GivenAMissingKeyProjectionItNamesTheTensorAndTheFile()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2 });
        var weights = Path.Combine(path, "model.safetensors");
        TestModels.RewriteWeights(weights, t => t.Name == LlamaTensorNames.KeyWeight(1) ? null : TensorDeclaration.Of(t));
        QcqaAssert.Throws(ErrorCodes.MissingTensor, "Layer 1 has no key projection 'model.layers.1.self_attn.k_proj.weight'", weights, () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAKeyProjectionOfTheWrongShapeItGivesBothShapes()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 4, HeadDim = 8, Hidden = 16 });
        var weights = Path.Combine(path, "model.safetensors");
        TestModels.RewriteWeights(weights, t => t.Name == LlamaTensorNames.KeyWeight(0) ? new TensorDeclaration(t.Name, t.Dtype, [16, 32]) : TensorDeclaration.Of(t));
        QcqaAssert.Throws(ErrorCodes.ShapeMismatch, "has shape [16, 32] but config.json implies [32, 16]", weights, () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAGqaConfigThatClaimsMoreKvHeadsThanStoredItReportsAShapeMismatch()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 4, KvHeads = 2 });
        var configPath = Path.Combine(path, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["num_key_value_heads"] = 4;
        File.WriteAllText(configPath, config.ToJsonString());
        QcqaAssert.Throws(ErrorCodes.ShapeMismatch, "KV heads 4", Path.Combine(path, "model.safetensors"), () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAConfigWithHeadsNotDivisibleByKvHeadsOpeningFailsOnTheConfig()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 4 });
        var configPath = Path.Combine(path, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["num_key_value_heads"] = 3;
        File.WriteAllText(configPath, config.ToJsonString());
        QcqaAssert.Throws(ErrorCodes.BadModelConfig, "not divisible", configPath, () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAFolderWithoutConfigItNamesConfigJson()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions());
        File.Delete(Path.Combine(path, "config.json"));
        QcqaAssert.Throws(ErrorCodes.BadModelConfig, "no config.json", Path.Combine(path, "config.json"), () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAFolderThatDoesNotExistItReportsFileNotFound()
    {
        var path = _folder.Combine("missing");
        QcqaAssert.Throws(ErrorCodes.FileNotFound, "does not exist", path, () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenOnlyPickleWeightsItRefusesAndSaysWhy()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions());
        File.Move(Path.Combine(path, "model.safetensors"), Path.Combine(path, "pytorch_model.bin"));
        QcqaAssert.Throws(ErrorCodes.FileNotFound, "pickle", path, () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAShardIndexNamingAMissingShardItNamesTheShard()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Shards = 2 });
        File.Delete(Path.Combine(path, "model-00002-of-00002.safetensors"));
        QcqaAssert.Throws(ErrorCodes.BadShardIndex, "Shard 'model-00002-of-00002.safetensors' listed in the index does not exist", IndexOf(path), () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAShardIndexPlacingATensorInTheWrongShardItSaysWhereItIs()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Shards = 2 });
        EditIndex(path, map => map[LlamaTensorNames.LmHead] = "model-00001-of-00002.safetensors");
        QcqaAssert.Throws(ErrorCodes.BadShardIndex, "'lm_head.weight' is stored in model-00002-of-00002.safetensors but the index places it in model-00001-of-00002.safetensors", IndexOf(path), () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAShardIndexListingATensorNoShardHoldsItSaysSo()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Shards = 2 });
        EditIndex(path, map => map["ghost.weight"] = "model-00001-of-00002.safetensors");
        QcqaAssert.Throws(ErrorCodes.BadShardIndex, "places tensor 'ghost.weight' in model-00001-of-00002.safetensors, but that shard does not contain it", IndexOf(path), () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenAShardIndexThatOmitsATensorItSaysSo()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Shards = 2 });
        EditIndex(path, map => map.Remove(LlamaTensorNames.FinalNorm));
        QcqaAssert.Throws(ErrorCodes.BadShardIndex, "the index does not list it", IndexOf(path), () => Checkpoint.Open(path));
    }

    [Fact]
    public void GivenATensorStoredInTwoShardsItNamesBoth()
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Shards = 2 });
        // Put a copy of the final norm into the first shard too.
        var first = Path.Combine(path, "model-00001-of-00002.safetensors");
        var second = Path.Combine(path, "model-00002-of-00002.safetensors");
        TensorInfo norm;
        using (var file = SafetensorsFile.Open(second)) norm = file.GetTensor(LlamaTensorNames.FinalNorm);
        var extended = first + ".x";
        using (var source = SafetensorsFile.Open(first))
        using (var writer = new SafetensorsWriter(extended, source.Tensors.Select(TensorDeclaration.Of).Append(TensorDeclaration.Of(norm)).ToArray()))
        {
            foreach (var t in source.Tensors) writer.CopyTensor(source, t);
            writer.WriteBytes(new byte[norm.ByteLength]);
            writer.Complete();
        }
        File.Move(extended, first, overwrite: true);
        QcqaAssert.Throws(ErrorCodes.BadShardIndex, "'model.norm.weight' is stored in two shards", IndexOf(path), () => Checkpoint.Open(path));
    }

    [Theory]
    [InlineData("{\"weight_map\": ", "not valid JSON")]
    [InlineData("{\"metadata\": {}}", "no \"weight_map\" object")]
    [InlineData("{\"weight_map\": {\"a\": \"../x.safetensors\"}}", "not a plain file name")]
    [InlineData("{\"weight_map\": {\"a\": 3}}", "must name a shard file")]
    [InlineData("{\"metadata\": {}, \"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\"}}", "'metadata' more than once")]
    [InlineData("{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"a\": \"model-00002-of-00002.safetensors\"}}", "lists 'a' more than once in \"weight_map\"")]
    public void GivenABadShardIndexItSaysWhatIsWrong(string json, string fragment)
    {
        var path = TestModels.Write(_folder, new SyntheticCheckpointOptions { Shards = 2 });
        File.WriteAllText(IndexOf(path), json);
        QcqaAssert.Throws(ErrorCodes.BadShardIndex, fragment, IndexOf(path), () => Checkpoint.Open(path));
    }

    private static string IndexOf(string folder) => Path.Combine(folder, ShardIndex.FileName);

    private static void EditIndex(string folder, Action<JsonObject> edit)
    {
        var index = JsonNode.Parse(File.ReadAllText(IndexOf(folder)))!.AsObject();
        edit(index["weight_map"]!.AsObject());
        File.WriteAllText(IndexOf(folder), index.ToJsonString());
    }
}

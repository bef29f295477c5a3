using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Statistics;
using Qcqa.Core.Synthetic;
using Qcqa.Core.Wse;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Checkpoints;

public class SyntheticLlamaCheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void TheSameOptionsWriteByteIdenticalFolders()
    {
        var options = new SyntheticCheckpointOptions { Shards = 2, Clusters = 2, Dtype = SafetensorsDtype.BF16 };
        var a = SyntheticModels.Write(_folder, options, "a");
        var b = SyntheticModels.Write(_folder, options, "b");
        var c = SyntheticModels.Write(_folder, options with { Seed = 2 }, "c");
        Assert.Equal(FolderSnapshot.Of(a), FolderSnapshot.Of(b));
        Assert.NotEqual(FolderSnapshot.Of(a)["model-00001-of-00002.safetensors"], FolderSnapshot.Of(c)["model-00001-of-00002.safetensors"]);
    }

    [Fact]
    public void TheConfigDescribesALlamaModelThatReferenceLoadersUnderstand()
    {
        var path = SyntheticModels.Write(_folder, new SyntheticCheckpointOptions { Heads = 6, KvHeads = 3, HeadDim = 10, Hidden = 24, Vocab = 70, Intermediate = 40, Dtype = SafetensorsDtype.F16, Biases = true });
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(path, "config.json")))!.AsObject();
        Assert.Equal("llama", (string?)config["model_type"]);
        Assert.Equal("LlamaForCausalLM", (string?)config["architectures"]![0]);
        Assert.Equal("float16", (string?)config["torch_dtype"]);
        Assert.Equal(70, (int)config["vocab_size"]!);
        Assert.Equal(40, (int)config["intermediate_size"]!);
        Assert.Equal(10, (int)config["head_dim"]!);
        Assert.False((bool)config["tie_word_embeddings"]!);
        Assert.True((bool)config["attention_bias"]!);
        Assert.NotNull(config["rms_norm_eps"]);
        Assert.NotNull(config["rope_theta"]);
        Assert.NotNull(config["max_position_embeddings"]);
        Assert.True(File.Exists(Path.Combine(path, "tokenizer.json")));

        using var checkpoint = Checkpoint.Open(path);
        foreach (var name in new[] { LlamaTensorNames.EmbedTokens, LlamaTensorNames.FinalNorm, LlamaTensorNames.LmHead, LlamaTensorNames.InputLayerNorm(1),
                     LlamaTensorNames.PostAttentionLayerNorm(1), LlamaTensorNames.GateWeight(1), LlamaTensorNames.UpWeight(1), LlamaTensorNames.DownWeight(1),
                     LlamaTensorNames.QueryBias(1), LlamaTensorNames.OutputBias(1) })
            Assert.True(checkpoint.TryGetTensor(name, out _), name);
        Assert.Equal([40L, 24L], checkpoint.GetTensor(LlamaTensorNames.GateWeight(0)).Shape);
        Assert.Equal([24L, 40L], checkpoint.GetTensor(LlamaTensorNames.DownWeight(0)).Shape);
    }

    [Fact]
    public void WeightsAreSmallAndNormsAreOne()
    {
        var path = SyntheticModels.Write(_folder, new SyntheticCheckpointOptions { Hidden = 64, Vocab = 200 });
        using var checkpoint = Checkpoint.Open(path);
        var embed = checkpoint.GetTensor(LlamaTensorNames.EmbedTokens).ReadAllDoubles();
        var mean = embed.Average();
        var std = Math.Sqrt(embed.Sum(v => (v - mean) * (v - mean)) / embed.Length);
        Assert.InRange(std, 0.019, 0.021);
        Assert.InRange(Math.Abs(mean), 0, 0.001);
        Assert.All(checkpoint.GetTensor(LlamaTensorNames.FinalNorm).ReadAllDoubles(), v => Assert.Equal(1.0, v));
    }

    [Fact]
    public void AttentionOnlyModelsHoldOnlyTheAttentionTensors()
    {
        var path = SyntheticModels.Write(_folder, new SyntheticCheckpointOptions { AttentionOnly = true, Layers = 2 });
        using var checkpoint = Checkpoint.Open(path);
        Assert.Equal(8, checkpoint.Tensors.Count());
        Assert.All(checkpoint.Tensors, t => Assert.Contains(".self_attn.", t.Name));
    }

    [Fact]
    public void ClusteredHeadsHaveAPlantedGroupingMuchBetterThanNeighbourGrouping()
    {
        var options = new SyntheticCheckpointOptions { Layers = 2, Heads = 8, Clusters = 2, HeadDim = 8, Hidden = 32, Dtype = SafetensorsDtype.F32 };
        var written = SyntheticLlamaCheckpoint.Write(_folder.Combine("m"), options);
        Assert.NotNull(written.Clusters);
        Assert.All(written.Clusters!, labels => Assert.Equal(4, labels.Count(l => l == 0)));
        using var checkpoint = Checkpoint.Open(written.Folder);
        for (var layer = 0; layer < 2; layer++)
        {
            var gram = CheckpointGram.Compute(checkpoint, layer);
            var planted = WseCalculator.FromGram(gram, written.PlantedGrouping!.Layers[layer].Grouping);
            var neighbours = WseCalculator.FromGram(gram, LayerGrouping.Gqa(8, 2));
            Assert.True(planted < 0.05 * neighbours, $"planted {planted} vs neighbours {neighbours}");
        }
    }

    [Fact]
    public void ShardsSplitTheTensorsAndTheIndexListsThemAll()
    {
        var written = SyntheticLlamaCheckpoint.Write(_folder.Combine("m"), new SyntheticCheckpointOptions { Layers = 3, Shards = 4 });
        Assert.Equal(4, written.WeightFiles.Count);
        using var checkpoint = Checkpoint.Open(written.Folder);
        Assert.Equal(checkpoint.Tensors.Count(), checkpoint.Index!.WeightMap.Count);
        var total = (long)JsonNode.Parse(File.ReadAllText(checkpoint.Index.Path))!["metadata"]!["total_size"]!;
        Assert.Equal(checkpoint.Tensors.Sum(t => t.Info.ByteLength), total);
    }
}

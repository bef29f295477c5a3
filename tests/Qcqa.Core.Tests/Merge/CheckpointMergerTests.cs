using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Synthetic;
using Qcqa.Core.Tests.TestSupport;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Merge;

public class CheckpointMergerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ModelGrouping PerLayer(string mode, params LayerGrouping[] layers)
        => new(mode, layers.Select((g, i) => new LayerGroupingEntry(i, g)).ToArray());

    [Fact]
    public void GivenTheIdentityGroupingEveryWeightFileIsCopiedByteForByte()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 4, Biases = true });
        var output = _folder.Combine("out");
        using (var checkpoint = Checkpoint.Open(input))
        {
            var result = CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("identity", 2, LayerGrouping.Identity(4)), output);
            Assert.Equal(MergeForm.StandardGqa, result.Form);
            Assert.Equal(result.KvCacheBytesPerTokenBefore, result.KvCacheBytesPerTokenAfter);
        }
        Assert.Equal(FolderSnapshot.HashFile(Path.Combine(input, "model.safetensors")), FolderSnapshot.HashFile(Path.Combine(output, "model.safetensors")));
        using var merged = Checkpoint.Open(output);
        Assert.Equal(4, merged.Config.NumKeyValueHeads);
        Assert.Equal([0, 1, 2, 3], merged.Config.Qcqa!.Layers[1].QueryToKv);
    }

    [Fact]
    public void MergedKeyAndValueRowsAreTheMeanOfTheGroupsRows()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 4, HeadDim = 6, Hidden = 12, Biases = true });
        var output = _folder.Combine("out");
        var grouping = LayerGrouping.FromGroups(4, [[0, 2, 3], [1]]);
        using var checkpoint = Checkpoint.Open(input);
        CheckpointMerger.Merge(checkpoint, PerLayer("arbitrary", grouping), output);
        using var merged = Checkpoint.Open(output);
        var before = checkpoint.Attention(0);
        var after = merged.Attention(0);
        foreach (var (source, target, name) in new[] { (before.Key, after.Key, "K"), (before.Value, after.Value, "V"), (before.KeyBias!, after.KeyBias!, "K bias"), (before.ValueBias!, after.ValueBias!, "V bias") })
        {
            var values = source.ReadAllDoubles();
            var result = target.ReadAllDoubles();
            for (var g = 0; g < grouping.GroupCount; g++)
                MergeAssert.Identical(MergeAssert.StoredMean(values, grouping.Groups[g], 4, SafetensorsDtype.F32), MergeAssert.Block(result, g, 2), $"{name} head {g}");
        }
    }

    [Fact]
    public void MergedBFloat16HeadsAreTheMeanRoundedOnceToNearestEven()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 6, HeadDim = 4, Hidden = 8, Dtype = SafetensorsDtype.BF16 });
        var output = _folder.Combine("out");
        var grouping = LayerGrouping.FromGroups(6, [[0, 1, 4], [2, 3, 5]]);
        using var checkpoint = Checkpoint.Open(input);
        CheckpointMerger.Merge(checkpoint, PerLayer("equal", grouping), output);
        using var merged = Checkpoint.Open(output);
        var keys = checkpoint.ReadKeyWeight(0);
        var result = merged.ReadKeyWeight(0);
        for (var g = 0; g < 2; g++)
            MergeAssert.Identical(MergeAssert.StoredMean(keys, grouping.Groups[g], 6, SafetensorsDtype.BF16), MergeAssert.Block(result, g, 2), $"K head {g}");
    }

    [Fact]
    public void GivenEqualGroupsTheOutputIsAStandardGqaCheckpointWithPermutedQueries()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 8, HeadDim = 4, Hidden = 16, Biases = true });
        var output = _folder.Combine("out");
        var layers = new[]
        {
            LayerGrouping.FromGroups(8, [[0, 5], [1, 2], [3, 7], [4, 6]]),
            LayerGrouping.FromGroups(8, [[0, 1], [2, 3], [4, 5], [6, 7]]),
        };
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, PerLayer("equal", layers), output);
        Assert.Equal(MergeForm.StandardGqa, result.Form);
        Assert.Equal([4, 4], result.KvHeadsPerLayer);
        Assert.Equal(result.KvCacheBytesPerTokenBefore / 2, result.KvCacheBytesPerTokenAfter);

        using var merged = Checkpoint.Open(output);
        Assert.Equal(4, merged.Config.NumKeyValueHeads);
        Assert.True(merged.Config.IsStandardLayout);
        Assert.Equal(QcqaConfigBlock.GqaForm, merged.Config.Qcqa!.Form);
        Assert.Equal("equal", merged.Config.Qcqa.Mode);
        for (var layer = 0; layer < 2; layer++)
        {
            var grouping = layers[layer];
            var order = grouping.Groups.SelectMany(g => g).ToArray(); // π: output query head p is input head order[p]
            Assert.Equal(Enumerable.Range(0, 8).Select(h => h / 2), merged.Config.Qcqa.Layers[layer].QueryToKv);
            var a = checkpoint.Attention(layer);
            var b = merged.Attention(layer);
            var q = a.Query.ReadAllDoubles();
            var qOut = b.Query.ReadAllDoubles();
            var qb = a.QueryBias!.ReadAllDoubles();
            var qbOut = b.QueryBias!.ReadAllDoubles();
            var o = a.Output.ReadAllDoubles();
            var oOut = b.Output.ReadAllDoubles();
            var k = a.Key.ReadAllDoubles();
            var kOut = b.Key.ReadAllDoubles();
            for (var p = 0; p < 8; p++)
            {
                MergeAssert.Identical(MergeAssert.Block(q, order[p], 8), MergeAssert.Block(qOut, p, 8), $"layer {layer} q block {p}");
                MergeAssert.Identical(MergeAssert.Block(qb, order[p], 8), MergeAssert.Block(qbOut, p, 8), $"layer {layer} q bias block {p}");
                MergeAssert.Identical(MergeAssert.ColumnBlock(o, 16, order[p], 8), MergeAssert.ColumnBlock(oOut, 16, p, 8), $"layer {layer} o block {p}");
                // The KV head stock loaders give output query head p is the merged head of the group of its input head.
                var kv = p / 2;
                Assert.Equal(kv, grouping.GroupOf(order[p]));
                MergeAssert.Identical(MergeAssert.StoredMean(k, grouping.Groups[kv], 8, SafetensorsDtype.F32), MergeAssert.Block(kOut, kv, 4), $"layer {layer} k head {kv}");
            }
        }
    }

    [Fact]
    public void GivenArbitraryGroupsQueriesStayAndEachLayerGetsItsOwnMap()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 8, HeadDim = 4, Hidden = 16 });
        var output = _folder.Combine("out");
        var layer0 = LayerGrouping.FromGroups(8, [[0, 5, 7], [1, 2], [3], [4, 6]]);
        var layer1 = LayerGrouping.Mqa(8);
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, PerLayer("arbitrary", layer0, layer1), output);
        Assert.Equal(MergeForm.PerLayerMap, result.Form);

        using var merged = Checkpoint.Open(output);
        Assert.Equal(4, merged.Config.NumKeyValueHeads);
        Assert.Equal(QcqaConfigBlock.PerLayerMapForm, merged.Config.Qcqa!.Form);
        Assert.Equal(Enumerable.Range(0, 8).Select(layer0.GroupOf), merged.Config.Qcqa.Layers[0].QueryToKv);
        Assert.Equal(new int[8], merged.Config.Qcqa.Layers[1].QueryToKv);
        Assert.Equal([16L, 16L], merged.Attention(0).Key.Shape);
        Assert.Equal([4L, 16L], merged.Attention(1).Value.Shape);
        for (var layer = 0; layer < 2; layer++)
        {
            Assert.Equal(checkpoint.Attention(layer).Query.ReadAllDoubles(), merged.Attention(layer).Query.ReadAllDoubles());
            Assert.Equal(checkpoint.Attention(layer).Output.ReadAllDoubles(), merged.Attention(layer).Output.ReadAllDoubles());
        }
    }

    [Fact]
    public void GivenEqualGroupsButDifferentCountsPerLayerThePerLayerFormIsUsed()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 4 });
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, PerLayer("custom", LayerGrouping.Gqa(4, 2), LayerGrouping.Identity(4)), _folder.Combine("out"));
        Assert.Equal(MergeForm.PerLayerMap, result.Form);
        Assert.Equal([2, 4], result.KvHeadsPerLayer);
        using var merged = Checkpoint.Open(result.OutputFolder);
        Assert.Equal(4, merged.Config.NumKeyValueHeads);
        Assert.Equal(checkpoint.Attention(1).Key.ReadAllDoubles(), merged.Attention(1).Key.ReadAllDoubles());
    }

    [Fact]
    public void GivenAGqaInputItsKvHeadsAreGroupedTogetherWithTheirQueryHeads()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 8, KvHeads = 4, HeadDim = 4, Hidden = 16 });
        var output = _folder.Combine("out");
        var grouping = LayerGrouping.FromGroups(4, [[0, 3], [1, 2]]);
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, PerLayer("equal", grouping), output);
        Assert.Equal(MergeForm.StandardGqa, result.Form);

        using var merged = Checkpoint.Open(output);
        Assert.Equal(2, merged.Config.NumKeyValueHeads);
        int[] order = [0, 1, 6, 7, 2, 3, 4, 5]; // unit u owns query heads 2u and 2u+1
        var q = checkpoint.Attention(0).Query.ReadAllDoubles();
        var qOut = merged.Attention(0).Query.ReadAllDoubles();
        for (var p = 0; p < 8; p++) MergeAssert.Identical(MergeAssert.Block(q, order[p], 8), MergeAssert.Block(qOut, p, 8), $"q block {p}");
        var v = checkpoint.ReadValueWeight(0);
        var vOut = merged.ReadValueWeight(0);
        for (var g = 0; g < 2; g++) MergeAssert.Identical(MergeAssert.StoredMean(v, grouping.Groups[g], 4, SafetensorsDtype.F32), MergeAssert.Block(vOut, g, 2), $"v head {g}");
    }

    [Fact]
    public void GivenAGqaInputWithArbitraryGroupsEachQueryHeadFollowsItsKvHead()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 8, KvHeads = 4 });
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, PerLayer("arbitrary", LayerGrouping.FromGroups(4, [[0, 1, 3], [2]])), _folder.Combine("out"));
        using var merged = Checkpoint.Open(result.OutputFolder);
        Assert.Equal([0, 0, 0, 0, 1, 1, 0, 0], merged.Config.LayerMap(0).QueryToKv);
    }

    [Fact]
    public void APerLayerOutputCanBeMergedAgain()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 6 });
        using var checkpoint = Checkpoint.Open(input);
        var first = CheckpointMerger.Merge(checkpoint, PerLayer("arbitrary", LayerGrouping.FromGroups(6, [[0, 4], [1], [2, 3, 5]]), LayerGrouping.Gqa(6, 2)), _folder.Combine("first"));
        using var once = Checkpoint.Open(first.OutputFolder);
        var second = CheckpointMerger.Merge(once, PerLayer("arbitrary", LayerGrouping.FromGroups(3, [[0, 2], [1]]), LayerGrouping.Mqa(2)), _folder.Combine("second"));
        using var twice = Checkpoint.Open(second.OutputFolder);
        Assert.Equal([0, 1, 0, 0, 0, 0], twice.Config.LayerMap(0).QueryToKv);
        Assert.Equal(new int[6], twice.Config.LayerMap(1).QueryToKv);
        // Pooling two equal halves again is pooling all six heads (up to the float32 rounding of the first step).
        var expected = MergeAssert.StoredMean(checkpoint.ReadKeyWeight(1), [0, 1, 2, 3, 4, 5], 6, SafetensorsDtype.F32);
        var actual = twice.ReadKeyWeight(1);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-8);
    }

    [Fact]
    public void GivenAShardedInputTheOutputKeepsTheShardsAndAValidIndex()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 4, Heads = 4, Shards = 3, Vocab = 4000 });
        var output = _folder.Combine("out");
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("gqa", 4, LayerGrouping.Gqa(4, 2)), output);

        using var merged = Checkpoint.Open(output);
        Assert.Equal(checkpoint.Index!.ShardNames, merged.Index!.ShardNames);
        Assert.Equal(checkpoint.Index.WeightMap, merged.Index.WeightMap);
        foreach (var tensor in checkpoint.Tensors)
            Assert.Equal(Path.GetFileName(tensor.File.Path), Path.GetFileName(merged.GetTensor(tensor.Name).File.Path));
        var index = JsonNode.Parse(File.ReadAllText(merged.Index.Path))!;
        Assert.Equal(merged.Tensors.Sum(t => t.Info.ByteLength), (long)index["metadata"]!["total_size"]!);
        Assert.Equal(merged.Files.Sum(f => f.FileLength), result.WeightBytesWritten);
        Assert.True(merged.Tensors.Sum(t => t.Info.ByteLength) < checkpoint.Tensors.Sum(t => t.Info.ByteLength));
        // A shard the merge does not touch comes out byte-identical, header included.
        var untouched = checkpoint.Files.Where(f => f.Tensors.All(t => !t.Name.Contains(".k_proj.") && !t.Name.Contains(".v_proj."))).ToArray();
        Assert.NotEmpty(untouched);
        foreach (var file in untouched)
            Assert.Equal(FolderSnapshot.HashFile(file.Path), FolderSnapshot.HashFile(Path.Combine(output, Path.GetFileName(file.Path))));
    }

    [Fact]
    public void UntouchedTensorsAreCopiedByteForByte()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 4, Dtype = SafetensorsDtype.BF16 });
        using var checkpoint = Checkpoint.Open(input);
        CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("mqa", 2, LayerGrouping.Mqa(4)), _folder.Combine("out"));
        using var merged = Checkpoint.Open(_folder.Combine("out"));
        foreach (var tensor in checkpoint.Tensors.Where(t => !t.Name.Contains(".self_attn.")))
        {
            var copy = merged.GetTensor(tensor.Name);
            Assert.True(tensor.File.GetBytes(tensor.Info).SequenceEqual(copy.File.GetBytes(copy.Info)), tensor.Name);
        }
    }

    [Fact]
    public void OtherFilesOfTheModelFolderAreCopiedAndStaleWeightsAreNot()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 2 });
        Directory.CreateDirectory(Path.Combine(input, "original"));
        File.WriteAllText(Path.Combine(input, "original", "params.json"), "{}");
        File.WriteAllText(Path.Combine(input, "README.md"), "# model");
        File.WriteAllText(Path.Combine(input, ".gitattributes"), "*.safetensors filter=lfs");
        File.WriteAllBytes(Path.Combine(input, "pytorch_model.bin"), [1, 2, 3]);
        var output = _folder.Combine("out");
        using var checkpoint = Checkpoint.Open(input);
        var result = CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("mqa", 1, LayerGrouping.Mqa(2)), output);

        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", "generation_config.json", "README.md", ".gitattributes", Path.Combine("original", "params.json") })
            Assert.Equal(FolderSnapshot.HashFile(Path.Combine(input, file)), FolderSnapshot.HashFile(Path.Combine(output, file)));
        Assert.False(File.Exists(Path.Combine(output, "pytorch_model.bin")));
        Assert.Equal(["pytorch_model.bin"], result.SkippedFiles);
        Assert.Contains("tokenizer.json", result.CopiedFiles);
    }

    [Fact]
    public void TheInputFolderIsNeverModified()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 2, Heads = 4, Shards = 2, Biases = true });
        var before = FolderSnapshot.Of(input);
        using (var checkpoint = Checkpoint.Open(input))
        {
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("gqa", 2, LayerGrouping.Gqa(4, 2)), _folder.Combine("out"));
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("custom", 2, LayerGrouping.FromGroups(4, [[0, 1, 3], [2]])), _folder.Combine("out"), new MergeOptions { FlushToDisk = true });
        }
        Assert.Equal(before, FolderSnapshot.Of(input));
    }

    [Fact]
    public void OtherConfigKeysSurviveAndTheSourceModeIsRecorded()
    {
        var input = TestModels.Write(_folder, new SyntheticCheckpointOptions { Layers = 1, Heads = 4 });
        using var checkpoint = Checkpoint.Open(input);
        CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform("equal", 1, LayerGrouping.Gqa(4, 2)), _folder.Combine("out"));
        var before = JsonNode.Parse(File.ReadAllText(Path.Combine(input, "config.json")))!.AsObject();
        var after = JsonNode.Parse(File.ReadAllText(_folder.Combine("out", "config.json")))!.AsObject();
        foreach (var (key, value) in before.Where(p => p.Key != "num_key_value_heads"))
            Assert.True(JsonNode.DeepEquals(value, after[key]), key);
        Assert.Equal(2, (int)after["num_key_value_heads"]!);
        Assert.Equal(1, (int)after["qcqa"]!["version"]!);
        Assert.Equal("equal", (string?)after["qcqa"]!["mode"]);
    }
}

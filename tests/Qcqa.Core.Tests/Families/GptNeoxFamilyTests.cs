using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Statistics;
using Qcqa.Core.Tests.Merge;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Families;

/// <summary>
/// GPT-NeoX's <c>query_key_value</c>, interleaved per head ([q_h; k_h; v_h]), read, searched on and merged in its own
/// layout: the tensor keeps its shape, and each query head's k/v slot holds the merged head of its group.
/// </summary>
public sealed class GptNeoxFamilyTests : IDisposable
{
    private const int Heads = 6;
    private const int D = 8;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Model(SafetensorsDtype dtype = SafetensorsDtype.F32)
        => FamilyFixtures.WriteGptNeox(_folder.Combine("neox"), new FamilyFixtureOptions { Heads = Heads, HeadDim = D, Dtype = dtype, RotaryFraction = 0.25 });

    private static string Qkv(int layer) => $"gpt_neox.layers.{layer}.attention.query_key_value.weight";

    private static string QkvBias(int layer) => $"gpt_neox.layers.{layer}.attention.query_key_value.bias";

    // Block `part` (0 q, 1 k, 2 v) of head h in the interleaved layout.
    private static double[] Slot(double[] fused, int head, int part) => MergeAssert.Block(fused, 3 * head + part, 3 * Heads);

    private static double[] Part(double[] fused, int part) => Enumerable.Range(0, Heads).SelectMany(h => Slot(fused, h, part)).ToArray();

    [Fact]
    public void GivenAGptNeoxFolderTheProjectionsAreTheInterleavedRowsOfQueryKeyValue()
    {
        using var checkpoint = Checkpoint.Open(Model());

        Assert.Equal("gpt_neox", checkpoint.Family.Name);
        for (var layer = 0; layer < 2; layer++)
        {
            var qkv = checkpoint.GetTensor(Qkv(layer)).ReadAllDoubles();
            var bias = checkpoint.GetTensor(QkvBias(layer)).ReadAllDoubles();
            var a = checkpoint.Attention(layer);
            MergeAssert.Identical(Part(qkv, 0), a.Query.ReadAllDoubles(), "q");
            MergeAssert.Identical(Part(qkv, 1), a.Key.ReadAllDoubles(), "k");
            MergeAssert.Identical(Part(qkv, 2), a.Value.ReadAllDoubles(), "v");
            MergeAssert.Identical(Part(bias, 0), a.QueryBias!.ReadAllDoubles(), "q bias");
            MergeAssert.Identical(Part(bias, 1), a.KeyBias!.ReadAllDoubles(), "k bias");
            MergeAssert.Identical(Part(bias, 2), a.ValueBias!.ReadAllDoubles(), "v bias");
            Assert.Equal($"gpt_neox.layers.{layer}.attention.dense.weight", a.Output.Name);
        }
        Assert.Equal([Heads, Heads], checkpoint.KvHeadsPerLayer);
    }

    [Fact]
    public void TheGramMatrixIsThatOfTheKeyAndValueRowsAndTheStatisticsReadOnlyThem()
    {
        using var checkpoint = Checkpoint.Open(Model());
        var qkv = checkpoint.GetTensor(Qkv(0)).ReadAllDoubles();

        var gram = CheckpointGram.Compute(checkpoint, 0, includeBiases: false);
        var kv = LayerKvReader.Read(checkpoint, 0);

        FamilyAssert.GramOf(Part(qkv, 1), Part(qkv, 2), Heads, gram);
        // The reader holds exactly the K and V rows and the K and V biases: no query row is read.
        var bytes = (Heads * D * Heads * D * 2 + Heads * D * 2) * 4;
        Assert.Equal(bytes, kv.ByteCount);
    }

    [Fact]
    public void GivenTheIdentityGroupingTheWeightsAreCopiedByteForByteAndNoKvHeadCountIsAdded()
    {
        var input = Model(SafetensorsDtype.BF16);
        var output = _folder.Combine("out");
        using (var checkpoint = Checkpoint.Open(input))
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Custom, 2, LayerGrouping.Identity(Heads)), output);

        Assert.Equal(FolderSnapshot.HashFile(Path.Combine(input, "model.safetensors")), FolderSnapshot.HashFile(Path.Combine(output, "model.safetensors")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!.AsObject();
        Assert.False(config.ContainsKey("num_key_value_heads"));
        Assert.Equal("per_layer_map", (string?)config["qcqa"]!["form"]);
    }

    [Fact]
    public void GivenAnEqualGroupingEveryQuerySlotHoldsItsGroupsMeanAndTheTensorKeepsItsShape()
    {
        var input = Model();
        var output = _folder.Combine("out");
        var grouping = LayerGrouping.FromGroups(Heads, [[0, 3], [1, 4], [2, 5]]);
        using var checkpoint = Checkpoint.Open(input);

        var result = CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Equal, 2, grouping), output);

        // GPT-NeoX has no KV-head count, so even an equal grouping is written with its map.
        Assert.Equal(MergeForm.PerLayerMap, result.Form);
        Assert.Equal(result.KvCacheBytesPerTokenBefore / 2, result.KvCacheBytesPerTokenAfter);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!.AsObject();
        Assert.False(config.ContainsKey("num_key_value_heads"));
        Assert.Equal("gpt_neox", (string?)config["model_type"]);
        using var merged = Checkpoint.Open(output);
        Assert.Equal([0, 1, 2, 0, 1, 2], merged.Config.LayerMap(1).QueryToKv);
        for (var layer = 0; layer < 2; layer++)
        {
            foreach (var name in new[] { Qkv(layer), QkvBias(layer) })
            {
                var before = checkpoint.GetTensor(name).ReadAllDoubles();
                var after = merged.GetTensor(name);
                Assert.Equal(checkpoint.GetTensor(name).Shape, after.Shape);
                var values = after.ReadAllDoubles();
                for (var h = 0; h < Heads; h++)
                {
                    var group = grouping.Groups[grouping.GroupOf(h)];
                    MergeAssert.Identical(Slot(before, h, 0), Slot(values, h, 0), $"{name} q head {h}");
                    MergeAssert.Identical(MergeAssert.StoredMean(Part(before, 1), group, Heads, SafetensorsDtype.F32), Slot(values, h, 1), $"{name} k slot {h}");
                    MergeAssert.Identical(MergeAssert.StoredMean(Part(before, 2), group, Heads, SafetensorsDtype.F32), Slot(values, h, 2), $"{name} v slot {h}");
                }
            }
            var dense = $"gpt_neox.layers.{layer}.attention.dense.weight";
            Assert.Equal(checkpoint.GetTensor(dense).ReadAllDoubles(), merged.GetTensor(dense).ReadAllDoubles());
        }
    }

    [Fact]
    public void AMergedCheckpointReadsOneUnitPerGroupAndMergesFurther()
    {
        var input = Model();
        var once = _folder.Combine("once");
        var twice = _folder.Combine("twice");
        var first = LayerGrouping.FromGroups(Heads, [[0, 1, 2], [3], [4, 5]]);
        using var checkpoint = Checkpoint.Open(input);
        CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Arbitrary, 2, first), once);
        using var merged = Checkpoint.Open(once);

        Assert.Equal([3, 3], merged.KvHeadsPerLayer);
        var units = merged.Attention(0).Key.ReadAllDoubles();
        for (var g = 0; g < 3; g++)
            MergeAssert.Identical(MergeAssert.StoredMean(checkpoint.Attention(0).Key.ReadAllDoubles(), first.Groups[g], Heads, SafetensorsDtype.F32), MergeAssert.Block(units, g, 3), $"unit {g}");
        Assert.Equal(merged.KvCacheBytesPerToken, checkpoint.KvCacheBytesPerTokenWith(_ => 3));

        CheckpointMerger.Merge(merged, ModelGrouping.Uniform(GroupingMode.Arbitrary, 2, LayerGrouping.FromGroups(3, [[0, 2], [1]])), twice);

        using var again = Checkpoint.Open(twice);
        Assert.Equal([0, 0, 0, 1, 0, 0], again.Config.LayerMap(1).QueryToKv);
        var fused = again.GetTensor(Qkv(0)).ReadAllDoubles();
        var expected = MergeAssert.StoredMean(units, [0, 2], 3, SafetensorsDtype.F32);
        foreach (var h in new[] { 0, 1, 2, 4, 5 }) MergeAssert.Identical(expected, Slot(fused, h, 1), $"k slot {h}");
    }

    [Fact]
    public void GivenACopyOfASharedKvHeadThatDiffersReadingTheLayerFailsNamingTheHeads()
    {
        var input = Model();
        var output = _folder.Combine("out");
        using (var checkpoint = Checkpoint.Open(input))
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Equal, 2, LayerGrouping.FromGroups(Heads, [[0, 3], [1, 4], [2, 5]])), output);
        long position;
        using (var merged = Checkpoint.Open(output))
        {
            var tensor = merged.GetTensor(Qkv(1));
            // Head 3's key slot is rows [3·3·d + d, …): change its first element.
            position = tensor.File.DataStart + tensor.Info.DataBegin + (3L * 3 * D + D) * Heads * D * 4;
        }
        using (var stream = new FileStream(Path.Combine(output, "model.safetensors"), FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = position;
            stream.Write(BitConverter.GetBytes(1.5f));
        }

        using var edited = Checkpoint.Open(output);
        edited.Attention(0);
        var error = Assert.Throws<QcqaException>(() => edited.Attention(1));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Contains("query heads 0 and 3 share key head 0", error.Message);
    }
}

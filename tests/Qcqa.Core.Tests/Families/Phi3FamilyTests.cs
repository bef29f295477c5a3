using System.Text.Json.Nodes;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Statistics;
using Qcqa.Core.Tests.Merge;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Families;

/// <summary>
/// Phi-3's fused <c>qkv_proj</c> ([q (H·d); k (G·d); v (G·d)]) read, searched on and merged in its own layout: the K
/// and V slices are the units, and an equal grouping writes a standard Phi-3 GQA checkpoint.
/// </summary>
public sealed class Phi3FamilyTests : IDisposable
{
    private const int Heads = 6;
    private const int D = 8;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Model(int? kvHeads = null, SafetensorsDtype dtype = SafetensorsDtype.F32)
        => FamilyFixtures.WritePhi3(_folder.Combine("phi3"), new FamilyFixtureOptions { Heads = Heads, KvHeads = kvHeads, HeadDim = D, Dtype = dtype });

    private static string Qkv(int layer) => $"model.layers.{layer}.self_attn.qkv_proj.weight";

    private static string O(int layer) => $"model.layers.{layer}.self_attn.o_proj.weight";

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void GivenAPhi3FolderTheProjectionsAreTheRowsOfQkvProjInOrder(int? kvHeads)
    {
        using var checkpoint = Checkpoint.Open(Model(kvHeads));
        var g = kvHeads ?? Heads;
        var blocks = Heads + 2 * g;

        Assert.Equal("phi3", checkpoint.Family.Name);
        for (var layer = 0; layer < 2; layer++)
        {
            var qkv = checkpoint.GetTensor(Qkv(layer)).ReadAllDoubles();
            var a = checkpoint.Attention(layer);
            MergeAssert.Identical(Rows(qkv, blocks, 0, Heads), a.Query.ReadAllDoubles(), "q");
            MergeAssert.Identical(Rows(qkv, blocks, Heads, g), a.Key.ReadAllDoubles(), "k");
            MergeAssert.Identical(Rows(qkv, blocks, Heads + g, g), a.Value.ReadAllDoubles(), "v");
            Assert.Equal(O(layer), a.Output.Name);
            Assert.Equal([(long)g * D, Heads * D], a.Key.Shape);
            Assert.Null(a.KeyBias);
        }
        Assert.Equal([g, g], checkpoint.KvHeadsPerLayer);
    }

    [Fact]
    public void TheGramMatrixIsThatOfTheKeyAndValueSlices()
    {
        using var checkpoint = Checkpoint.Open(Model());
        var qkv = checkpoint.GetTensor(Qkv(1)).ReadAllDoubles();
        var keys = Rows(qkv, 3 * Heads, Heads, Heads);
        var values = Rows(qkv, 3 * Heads, 2 * Heads, Heads);

        var gram = CheckpointGram.Compute(checkpoint, 1);

        FamilyAssert.GramOf(keys, values, Heads, gram);
    }

    [Fact]
    public void GivenTheIdentityGroupingTheWeightsAreCopiedByteForByte()
    {
        var input = Model();
        var output = _folder.Combine("out");
        using (var checkpoint = Checkpoint.Open(input))
            CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Custom, 2, LayerGrouping.Identity(Heads)), output);

        Assert.Equal(FolderSnapshot.HashFile(Path.Combine(input, "model.safetensors")), FolderSnapshot.HashFile(Path.Combine(output, "model.safetensors")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!;
        Assert.Equal(Heads, (int)config["num_key_value_heads"]!);
    }

    [Fact]
    public void GivenAnEqualGroupingTheOutputIsAStandardPhi3GqaCheckpointWithTheMergedKeyValueRows()
    {
        var input = Model();
        var output = _folder.Combine("out");
        // Non-neighbouring pairs: query heads must move so that repeat_kv pairs them with their merged head.
        var grouping = LayerGrouping.FromGroups(Heads, [[0, 3], [1, 4], [2, 5]]);
        int[] order = [0, 3, 1, 4, 2, 5];
        using var checkpoint = Checkpoint.Open(input);

        var result = CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Equal, 2, grouping), output);

        Assert.Equal(MergeForm.StandardGqa, result.Form);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "config.json")))!;
        Assert.Equal(3, (int)config["num_key_value_heads"]!);
        Assert.Equal("gqa", (string?)config["qcqa"]!["form"]);
        Assert.Equal("phi3", (string?)config["model_type"]);
        using var merged = Checkpoint.Open(output);
        for (var layer = 0; layer < 2; layer++)
        {
            var qkvIn = checkpoint.GetTensor(Qkv(layer)).ReadAllDoubles();
            var outTensor = merged.GetTensor(Qkv(layer));
            Assert.Equal([(Heads + 2 * 3L) * D, Heads * D], outTensor.Shape);
            var qkvOut = outTensor.ReadAllDoubles();
            // The stock split: q rows [0, H·d), k rows [H·d, H·d + G·d), v rows after.
            for (var p = 0; p < Heads; p++)
                MergeAssert.Identical(Rows(qkvIn, 3 * Heads, order[p], 1), Rows(qkvOut, Heads + 6, p, 1), $"layer {layer} q head {p}");
            for (var g = 0; g < 3; g++)
            {
                var keysIn = Rows(qkvIn, 3 * Heads, Heads, Heads);
                var valuesIn = Rows(qkvIn, 3 * Heads, 2 * Heads, Heads);
                MergeAssert.Identical(MergeAssert.StoredMean(keysIn, grouping.Groups[g], Heads, SafetensorsDtype.F32), Rows(qkvOut, Heads + 6, Heads + g, 1), $"layer {layer} k head {g}");
                MergeAssert.Identical(MergeAssert.StoredMean(valuesIn, grouping.Groups[g], Heads, SafetensorsDtype.F32), Rows(qkvOut, Heads + 6, Heads + 3 + g, 1), $"layer {layer} v head {g}");
            }
            var oIn = checkpoint.GetTensor(O(layer)).ReadAllDoubles();
            var oOut = merged.GetTensor(O(layer)).ReadAllDoubles();
            for (var p = 0; p < Heads; p++)
                MergeAssert.Identical(MergeAssert.ColumnBlock(oIn, Heads * D, order[p], Heads), MergeAssert.ColumnBlock(oOut, Heads * D, p, Heads), $"layer {layer} o column block {p}");
        }
        Assert.True(merged.Config.IsStandardLayout);
        Assert.Equal([3, 3], merged.KvHeadsPerLayer);
    }

    [Fact]
    public void GivenAnArbitraryGroupingEachLayerKeepsItsOwnKvHeadsAndTheMapInTheQcqaBlock()
    {
        var input = Model();
        var output = _folder.Combine("out");
        var first = LayerGrouping.FromGroups(Heads, [[0, 1, 2], [3], [4, 5]]);
        var second = LayerGrouping.FromGroups(Heads, [[0, 5], [1, 2, 3, 4]]);
        var grouping = new ModelGrouping(GroupingMode.Arbitrary, [new LayerGroupingEntry(0, first), new LayerGroupingEntry(1, second)]);
        using var checkpoint = Checkpoint.Open(input);

        var result = CheckpointMerger.Merge(checkpoint, grouping, output);

        Assert.Equal(MergeForm.PerLayerMap, result.Form);
        using var merged = Checkpoint.Open(output);
        Assert.Equal([3, 2], merged.KvHeadsPerLayer);
        Assert.Equal(3, merged.Config.NumKeyValueHeads);
        Assert.Equal([(Heads + 2 * 2L) * D, Heads * D], merged.GetTensor(Qkv(1)).Shape);
        Assert.Equal([0, 0, 0, 1, 2, 2], merged.Config.LayerMap(0).QueryToKv);
        var keysIn = checkpoint.Attention(1).Key.ReadAllDoubles();
        var keysOut = merged.Attention(1).Key.ReadAllDoubles();
        for (var g = 0; g < 2; g++)
            MergeAssert.Identical(MergeAssert.StoredMean(keysIn, second.Groups[g], Heads, SafetensorsDtype.F32), MergeAssert.Block(keysOut, g, 2), $"k head {g}");
        // Query rows stay where they were.
        MergeAssert.Identical(checkpoint.Attention(1).Query.ReadAllDoubles(), merged.Attention(1).Query.ReadAllDoubles(), "q");
    }

    [Fact]
    public void GivenAGqaPhi3ModelItsKvHeadsAreTheUnitsAndMergeFurther()
    {
        var input = Model(kvHeads: 3, dtype: SafetensorsDtype.BF16);
        var output = _folder.Combine("out");
        var grouping = LayerGrouping.FromGroups(3, [[0, 2], [1]]);
        using var checkpoint = Checkpoint.Open(input);

        CheckpointMerger.Merge(checkpoint, ModelGrouping.Uniform(GroupingMode.Arbitrary, 2, grouping), output);

        using var merged = Checkpoint.Open(output);
        Assert.Equal([2, 2], merged.KvHeadsPerLayer);
        var valuesIn = checkpoint.Attention(0).Value.ReadAllDoubles();
        var valuesOut = merged.Attention(0).Value.ReadAllDoubles();
        MergeAssert.Identical(MergeAssert.StoredMean(valuesIn, [0, 2], 3, SafetensorsDtype.BF16), MergeAssert.Block(valuesOut, 0, 2), "v head 0");
        MergeAssert.Identical(MergeAssert.Block(valuesIn, 1, 3), MergeAssert.Block(valuesOut, 1, 2), "v head 1");
        // Query heads 2 and 3 read unit 1 before; the map keeps them together on its merged head.
        Assert.Equal([0, 0, 1, 1, 0, 0], merged.Config.LayerMap(0).QueryToKv);
    }

    // `count` blocks of d rows starting at block `first`, of a tensor made of `blocks` blocks.
    private static double[] Rows(double[] values, int blocks, int first, int count)
    {
        var length = values.Length / blocks;
        return values.AsSpan(first * length, count * length).ToArray();
    }
}

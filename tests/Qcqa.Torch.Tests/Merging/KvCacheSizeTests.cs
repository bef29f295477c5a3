using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Merging;

/// <summary>The KV cache a grouped checkpoint fills while generating is exactly Σ_l G_l / Σ_l H_l of the original's.</summary>
public sealed class KvCacheSizeTests
{
    [Theory]
    [InlineData(6, null, new[] { 2, 4, 1 })]
    [InlineData(8, 4, new[] { 1, 3, 2 })]
    public void TheCacheOfAGroupedModelMeasuredDuringGenerationIsGOverHOfTheOriginals(int heads, int? kvHeads, int[] groupsPerLayer)
    {
        using var scope = NewDisposeScope();
        using var temp = new TempFolder();
        var options = SyntheticModels.Options(SafetensorsDtype.BF16, heads: heads, kvHeads: kvHeads);
        var input = SyntheticModels.Write(temp.Combine("in"), options);
        var units = options.EffectiveKvHeads;
        var grouping = RandomGroupings.ArbitraryCardinality(units, groupsPerLayer, seed: 31);
        var merged = MergeExactnessTests.Merge(input, grouping, temp.Combine("out"));
        var text = Enumerable.Range(0, 40).Select(i => (long)(i * 7 % options.Vocab)).ToArray();

        var original = Generate(input, text);
        var grouped = Generate(merged, text);

        long kept = groupsPerLayer.Sum(), total = SyntheticModels.Layers * units;
        Assert.Equal(original.CachedTokens, grouped.CachedTokens);
        Assert.Equal(original.KvCacheBytes * kept, grouped.KvCacheBytes * total);
        // float32 cache: K and V, G_l heads of 10 values, 4 bytes each, per cached token.
        Assert.Equal(2 * kept * 10 * sizeof(float) * grouped.CachedTokens, grouped.KvCacheBytes);
        Assert.Equal(grouping.KvHeadsTotal, kept);
    }

    private static GenerationBenchmarkResult Generate(string folder, long[] text)
    {
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);
        return GenerationBenchmark.Run(model, text, newTokens: 6, promptTokens: 12);
    }
}

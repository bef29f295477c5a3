using Qcqa.Core.Checkpoints;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Text;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;

namespace Qcqa.Torch.Tests.ReferenceModel;

/// <summary>On the shipped reference model, the KV cache a grouped checkpoint fills while generating is exactly G/H of the original's.</summary>
public sealed class ReferenceModelKvCacheTests
{
    public ReferenceModelKvCacheTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(4)]
    [InlineData(1)]
    public void TheCacheOfAGqaCheckpointMeasuredDuringGenerationIsGOverHOfTheOriginals(int groups)
    {
        using var temp = new TempFolder();
        var text = TokenizedText.Load(ModelTokenizer.Load(ShippedReferenceModel.Folder), ShippedReferenceModel.HeldOutPath, maxTokens: 64).Tokens;
        int layers, heads;
        string merged;
        using (var input = Checkpoint.Open(ShippedReferenceModel.Folder))
        {
            (layers, heads) = (input.Config.NumHiddenLayers, input.Config.NumAttentionHeads);
            merged = temp.Combine("gqa");
            CheckpointMerger.Merge(input, ModelGrouping.Uniform("gqa", layers, LayerGrouping.Gqa(heads, groups)), merged);
        }

        var (original, originalConfig) = Generate(ShippedReferenceModel.Folder, text);
        var (grouped, groupedConfig) = Generate(merged, text);

        Assert.Equal(original.CachedTokens, grouped.CachedTokens);
        Assert.Equal(original.KvCacheBytes * groups, grouped.KvCacheBytes * heads);
        Assert.Equal(LlamaKvCache.BytesFor(originalConfig, original.CachedTokens), original.KvCacheBytes);
        Assert.Equal(LlamaKvCache.BytesFor(groupedConfig, grouped.CachedTokens), grouped.KvCacheBytes);
        // float32 cache: K and V, G heads of head_dim values, 4 bytes each, per layer and cached token.
        Assert.Equal(2L * layers * groups * groupedConfig.ResolvedHeadDim * sizeof(float) * grouped.CachedTokens, grouped.KvCacheBytes);
    }

    private static (GenerationBenchmarkResult Result, LlamaConfig Config) Generate(string folder, IReadOnlyList<long> text)
    {
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);
        return (GenerationBenchmark.Run(model, text, newTokens: 16, promptTokens: 48), model.Config);
    }
}

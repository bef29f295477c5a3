using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.TestSupport;

namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>The generation benchmark measures the real cache and the decode speed.</summary>
public sealed class GenerationBenchmarkTests
{
    [Fact]
    public void TheMeasuredCacheHoldsOneKeyAndValuePerKvHeadLayerAndToken()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options(heads: 8, kvHeads: 2));
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);

        var result = GenerationBenchmark.Run(model, new long[100], newTokens: 5, promptTokens: 20);

        Assert.Equal((20, 5, 24L), (result.PromptTokens, result.GeneratedTokens, result.CachedTokens));
        // 3 layers × 2 KV heads × 10 values × (K and V) × 4 bytes (float32 cache).
        Assert.Equal(3 * 2 * 10 * 2 * 4, result.KvCacheBytesPerToken);
        Assert.True(result.DecodeTokensPerSecond > 0);
    }

    [Fact]
    public void ThePromptIsShortenedToLeaveRoomForTheNewTokens()
    {
        using var temp = new TempFolder();
        var folder = SyntheticModels.Write(temp.Combine("in"), SyntheticModels.Options());
        CheckpointEdits.EditConfig(folder, json => json["max_position_embeddings"] = 16);
        using var checkpoint = Checkpoint.Open(folder);
        using var model = CheckpointModelLoader.Load(checkpoint);

        Assert.Equal(12, GenerationBenchmark.Run(model, new long[100], newTokens: 4).PromptTokens);
        Assert.Equal(ErrorCodes.BadArgument, Assert.Throws<QcqaException>(() => GenerationBenchmark.Run(model, new long[100], newTokens: 16)).Code);
    }
}

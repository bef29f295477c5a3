using System.Text;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.Evaluation;

/// <summary>Perplexity follows its definition exactly: windows, scored tokens, float32 log-softmax, float64 sum.</summary>
public sealed class PerplexityTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly Checkpoint _checkpoint;
    private readonly LlamaModel _model;

    public PerplexityTests()
    {
        TorchRuntime.EnsureInitialized();
        var folder = SyntheticModels.Write(_temp.Combine("model"), SyntheticModels.Options(SafetensorsDtype.BF16, vocab: 256));
        _checkpoint = Checkpoint.Open(folder);
        _model = CheckpointModelLoader.Load(_checkpoint);
    }

    public void Dispose()
    {
        _model.Dispose();
        _checkpoint.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void OneWindowGivesTheExpOfTheMeanDirectLogSoftmaxNll()
    {
        var tokens = Bytes("Hello, QCQA!");

        var result = PerplexityEvaluator.Evaluate(_model, tokens);

        var (nll, scored) = DirectPerplexity.Window(_model, tokens);
        Assert.Equal(11, result.ScoredTokens);
        Assert.Equal(scored, result.ScoredTokens);
        Assert.Equal(1, result.Windows);
        Assert.Equal(nll / scored, result.MeanNll, 12);
        Assert.Equal(Math.Exp(nll / scored), result.Perplexity, 10);
    }

    [Fact]
    public void AModelWithZeroOutputWeightsIsUniformAndHasPerplexityVocabSize()
    {
        using (no_grad())
            _model.named_parameters().Single(p => p.name == LlamaTensorNames.LmHead).parameter.zero_();

        var result = PerplexityEvaluator.Evaluate(_model, Bytes("any text at all, the model cannot tell"), new PerplexityOptions { WindowSize = 16 });

        // Every logit is 0, so log p = −log 256 for every token; float32 log-softmax is off by at most an ulp.
        Assert.Equal(256.0, result.Perplexity, 3);
    }

    [Theory]
    [InlineData(25, 8, 3, 21)] // 8 + 8 + 8 + a 1-token tail, which scores nothing and is dropped
    [InlineData(26, 8, 4, 22)] // the 2-token tail is a window scoring 1 token
    [InlineData(24, 8, 3, 21)]
    [InlineData(5, 256, 1, 4)]
    public void WindowsDoNotOverlapAndTheFirstTokenOfEachIsNotScored(int length, int window, int windows, int scored)
    {
        var tokens = Enumerable.Range(0, length).Select(i => (long)(i * 37 % 256)).ToArray();

        var result = PerplexityEvaluator.Evaluate(_model, tokens, new PerplexityOptions { WindowSize = window, BatchSize = 2 });

        Assert.Equal(windows, result.Windows);
        Assert.Equal(scored, result.ScoredTokens);
        Assert.Equal(length, result.Tokens);
        Assert.Equal(DirectPerplexity.Of(_model, tokens, window), result.Perplexity, 10);
    }

    [Fact]
    public void TheBatchSizeChangesNothingButSpeed()
    {
        var tokens = Enumerable.Range(0, 100).Select(i => (long)(i * 11 % 256)).ToArray();

        var one = PerplexityEvaluator.Evaluate(_model, tokens, new PerplexityOptions { WindowSize = 9, BatchSize = 1 });
        var many = PerplexityEvaluator.Evaluate(_model, tokens, new PerplexityOptions { WindowSize = 9, BatchSize = 8 });

        Assert.Equal(one.ScoredTokens, many.ScoredTokens);
        // Batched matrix products may round differently in the last bit; the NLL sum order is the same.
        Assert.Equal(1.0, many.Perplexity / one.Perplexity, 6);
    }

    [Fact]
    public void ProgressIsReportedAfterEveryBatchUpToTheLastWindow()
    {
        var progress = new ListProgress<EvaluationProgress>();

        PerplexityEvaluator.Evaluate(_model, new long[45], new PerplexityOptions { WindowSize = 4, BatchSize = 4 }, progress);

        // 11 full windows in batches of 4, 4, 3, then the 1-token tail is dropped: 11 windows.
        Assert.Equal([new(4, 11), new(8, 11), new(11, 11)], progress.Reports);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2049)]
    public void AWindowOutsideTwoToMaxPositionEmbeddingsIsAnArgumentError(int window)
    {
        var error = Assert.Throws<QcqaException>(() => PerplexityEvaluator.Evaluate(_model, new long[10], new PerplexityOptions { WindowSize = window }));

        Assert.Equal(ErrorCodes.BadArgument, error.Code);
        Assert.Contains("max_position_embeddings (2048)", error.Message);
    }

    [Fact]
    public void CancellationStopsBetweenBatches()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => PerplexityEvaluator.Evaluate(_model, new long[64], cancellationToken: cancellation.Token));
    }

    private static long[] Bytes(string text) => Encoding.UTF8.GetBytes(text).Select(b => (long)b).ToArray();
}

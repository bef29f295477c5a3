using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Statistics;
using Qcqa.Core.Synthetic;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Statistics;

/// <summary>The overlapped reader: every layer once, results in layer order, errors as they were thrown.</summary>
public sealed class LayerKvReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _model;

    public LayerKvReaderTests()
    {
        _model = SyntheticModels.Write(_folder.Combine("model"), new SyntheticCheckpointOptions { Layers = 7, Heads = 6, HeadDim = 5, Hidden = 30, Dtype = SafetensorsDtype.BF16, Clusters = 2 });
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EveryLayerIsReadOnceAndTheResultsComeInLayerOrder(int threads)
    {
        using var checkpoint = Checkpoint.Open(_model);
        var timings = new LayerKvTimings();
        var seen = new System.Collections.Concurrent.ConcurrentBag<int>();

        var layers = LayerKvReader.Compute(checkpoint, threads, kv =>
        {
            seen.Add(kv.Layer);
            var attention = checkpoint.Attention(kv.Layer);
            Assert.Equal(attention.Key.Tensor.File.GetBytes(attention.Key.Tensor.Info).ToArray(), kv.Key.ToArray());
            Assert.Equal(attention.Value.Tensor.File.GetBytes(attention.Value.Tensor.Info).ToArray(), kv.Value.ToArray());
            return kv.Layer;
        }, timings: timings);

        Assert.Equal(Enumerable.Range(0, 7), layers);
        Assert.Equal(Enumerable.Range(0, 7), seen.Order());
        Assert.Equal(7 * 2 * 30 * 30 * 2, timings.Bytes);
        Assert.Equal(threads, timings.Threads);
    }

    [Fact]
    public void GramMatricesFromTheReaderEqualThoseOfOneLayerAtATimeBitForBit()
    {
        using var checkpoint = Checkpoint.Open(_model);
        var grams = new StatisticsStage(cache: null, Serilog.Core.Logger.None, threads: 2).Run(checkpoint).Grams;
        for (var layer = 0; layer < 7; layer++)
            Assert.Equal(CheckpointGram.Compute(checkpoint, layer).Values.ToArray(), grams[layer].Values.ToArray());
    }

    [Fact]
    public void AnErrorInOneLayerReachesTheCallerUnwrapped()
    {
        using var checkpoint = Checkpoint.Open(_model);
        var error = Assert.Throws<QcqaException>(() => LayerKvReader.Compute(checkpoint, 2, kv =>
            kv.Layer == 4 ? throw new QcqaException(ErrorCodes.BadArgument, "layer four") : kv.Layer));
        Assert.Equal("layer four", error.Message);
    }

    [Fact]
    public void ACancelledReadStops()
    {
        using var checkpoint = Checkpoint.Open(_model);
        using var cancelled = new CancellationTokenSource();
        var computed = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => LayerKvReader.Compute(checkpoint, 1, kv =>
        {
            if (Interlocked.Increment(ref computed) == 2) cancelled.Cancel();
            return kv.Layer;
        }, cancelled.Token));
        Assert.True(computed < 7);
    }

    [Fact]
    public void AFileTruncatedAfterOpeningIsReportedNotReadAsZeros()
    {
        using var checkpoint = Checkpoint.Open(_model);
        var weights = Path.Combine(_model, Checkpoint.SingleFileName);
        var lastKey = checkpoint.Attention(6).Key;
        using (var stream = new FileStream(weights, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            stream.SetLength(lastKey.Tensor.File.DataStart + lastKey.Tensor.Info.DataBegin + 10);

        var error = Assert.Throws<QcqaException>(() => LayerKvReader.Compute(checkpoint, 2, kv => kv.Layer));
        Assert.Equal(ErrorCodes.MalformedSafetensors, error.Code);
        Assert.Contains("truncated", error.Message);
    }
}

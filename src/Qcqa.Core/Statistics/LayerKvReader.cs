using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Statistics;

/// <summary>
/// Streams every layer's K/V bytes of a checkpoint to a computation, overlapping reading with computing: one
/// background reader reads the layers in order with large positional reads of exactly their byte ranges (no other
/// tensor is touched), while <c>threads</c> workers compute on the layers already read. At most threads + 1
/// layers are in memory at once, in reused buffers.
/// </summary>
public static class LayerKvReader
{
    /// <summary>Runs <paramref name="compute"/> on every layer and returns the results in layer order.</summary>
    /// <typeparam name="T">The per-layer result.</typeparam>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="threads">Workers computing at once (at least 1).</param>
    /// <param name="compute">
    /// Called once per layer, from worker threads, possibly for several layers at once; the <see cref="LayerKv"/> is
    /// valid only during the call.
    /// </param>
    /// <param name="cancellation">Stops reading and computing between layers.</param>
    /// <param name="timings">Receives where the time went (may be null).</param>
    /// <returns>One result per layer, in layer order.</returns>
    /// <exception cref="Diagnostics.QcqaException">From reading (a truncated file) or from <paramref name="compute"/>, unwrapped.</exception>
    public static T[] Compute<T>(Checkpoint checkpoint, int threads, Func<LayerKv, T> compute, CancellationToken cancellation = default, LayerKvTimings? timings = null)
    {
        Preconditions.CheckNotNull(checkpoint);
        Preconditions.CheckNotNull(compute);
        Preconditions.CheckRange(threads, 1, 1024, nameof(threads));
        var layers = checkpoint.LayerCount;
        var results = new T[layers];
        var wall = Stopwatch.StartNew();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var token = failed.Token;
        using var slots = new SemaphoreSlim(threads + 1);
        var pool = new ConcurrentBag<byte[]>();
        using var ready = new BlockingCollection<LayerKv>();
        var readTicks = 0L;
        var computeTicks = 0L;
        var bytes = 0L;
        ExceptionDispatchInfo? first = null;

        void Fail(Exception e)
        {
            if (e is OperationCanceledException && token.IsCancellationRequested) return;
            Interlocked.CompareExchange(ref first, ExceptionDispatchInfo.Capture(e), null);
            failed.Cancel();
        }

        var reader = Task.Run(() =>
        {
            try
            {
                for (var layer = 0; layer < layers; layer++)
                {
                    slots.Wait(token);
                    var start = Stopwatch.GetTimestamp();
                    var kv = Read(checkpoint, layer, pool);
                    readTicks += Stopwatch.GetTimestamp() - start;
                    bytes += kv.ByteCount;
                    ready.Add(kv, token);
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                ready.CompleteAdding();
            }
        }, CancellationToken.None);

        var workers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
        {
            try
            {
                foreach (var kv in ready.GetConsumingEnumerable(token))
                {
                    var start = Stopwatch.GetTimestamp();
                    results[kv.Layer] = compute(kv);
                    Interlocked.Add(ref computeTicks, Stopwatch.GetTimestamp() - start);
                    pool.Add(kv.Buffer);
                    slots.Release();
                }
            }
            catch (Exception e)
            {
                Fail(e);
            }
        }, CancellationToken.None)).ToArray();

        Task.WaitAll([reader, .. workers]);
        first?.Throw();
        cancellation.ThrowIfCancellationRequested();
        if (timings is not null)
        {
            timings.Wall += wall.Elapsed;
            timings.Read += Stopwatch.GetElapsedTime(0, readTicks);
            timings.Compute += Stopwatch.GetElapsedTime(0, computeTicks);
            timings.Bytes += bytes;
            timings.Threads = threads;
        }
        return results;
    }

    /// <summary>Reads one layer's K/V bytes (in the calling thread) into a new buffer.</summary>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="layer">The layer index.</param>
    public static LayerKv Read(Checkpoint checkpoint, int layer) => Read(checkpoint, layer, null);

    private static LayerKv Read(Checkpoint checkpoint, int layer, ConcurrentBag<byte[]>? pool)
    {
        var attention = checkpoint.Attention(layer);
        var tensors = LayerKv.TensorsOf(attention);
        var parts = new (int Offset, int Length)[tensors.Length];
        var total = 0L;
        for (var p = 0; p < tensors.Length; p++)
        {
            if (tensors[p] is not { } tensor)
            {
                parts[p] = (0, -1);
                continue;
            }
            Preconditions.CheckArgument(tensor.ByteLength <= Array.MaxLength - total,
                $"Layer {layer}'s K/V tensors are too large to hold in memory at once ({tensor.Name}).");
            parts[p] = ((int)total, (int)tensor.ByteLength);
            total += tensor.ByteLength;
        }

        // Buffers are taken from the pool when large enough; layers of one model usually all have the same size.
        byte[]? buffer = null;
        if (pool is not null && pool.TryTake(out var pooled) && pooled.Length >= total) buffer = pooled;
        buffer ??= GC.AllocateUninitializedArray<byte>((int)total);
        for (var p = 0; p < tensors.Length; p++)
            if (tensors[p] is { } tensor)
                tensor.ReadBytes(buffer.AsSpan(parts[p].Offset, parts[p].Length));
        var config = checkpoint.Config;
        return new LayerKv(attention, config.KeyValueHeads(layer), (long)config.HeadDim * config.HiddenSize, buffer, parts);
    }
}

using static TorchSharp.torch;

namespace Qcqa.Torch.Runtime;

/// <summary>
/// Runs independent pieces of libtorch work on threads of their own, each solving single-threaded. For many small
/// linear-algebra problems (eigenproblems of a few hundred rows, a group's fit) libtorch's own threads cost more than
/// they gain, and with them the pieces would oversubscribe the cores; one piece per core does better (on 2 cores,
/// 496 eigenproblems of 256 × 256: 4.8 s in one call, 1.15 s in two single-threaded parts).
/// </summary>
internal static class SingleThreadedParts
{
    /// <summary>Runs <paramref name="body"/> for 0 … <paramref name="count"/> − 1, at most one call per libtorch thread at a time, started in index order.</summary>
    /// <remarks>Each call gets a dispose scope of its own (scopes are per thread): what it keeps must be detached from it.</remarks>
    internal static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var threads = Math.Max(1, get_num_threads());
        if (count <= 1 || threads == 1)
        {
            for (var i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                body(i);
            }
            return;
        }
        set_num_threads(1);
        try
        {
            // Indices are handed out one at a time in order (Parallel.For would give each thread a range of its own), so
            // callers that order their work largest first keep every thread busy to the end.
            var inOrder = System.Collections.Concurrent.Partitioner.Create(Enumerable.Range(0, count), System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering);
            Parallel.ForEach(inOrder, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                using var scope = NewDisposeScope();
                body(i);
            });
        }
        catch (AggregateException failed) when (failed.InnerExceptions.Count == 1)
        {
            // The caller sees what a sequential loop would have thrown.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failed.InnerExceptions[0]).Throw();
            throw;
        }
        finally
        {
            set_num_threads(threads);
        }
    }
}

using System.Runtime.InteropServices;

namespace Qcqa.Core.Memory;

/// <summary>Hands memory the process no longer uses back to the operating system, between layers and between stages.</summary>
/// <remarks>
/// Two allocators keep freed memory for reuse, and at 7B shapes each keeps gigabytes. glibc's arenas keep what
/// libtorch freed: a stage that holds one layer at a time kept growing by about a layer's size per layer until
/// <c>malloc_trim</c> was called between layers. The .NET GC keeps the regions of large arrays it collected (a 7B
/// layer's calibration moment is a 134 MB array, its merged projections 400 MB): on a 4-layer 7B-shaped build an
/// aggressive collection after calibration took resident memory from 1.22 GB to 0.13 GB, and the acceptance build's
/// idle moments between stages sat at 4.5–4.9 GB anonymous memory. Stages plan their memory from the shapes, so
/// what an earlier stage left behind is exactly what those plans do not count.
/// </remarks>
public static class ProcessMemory
{
    /// <summary>An aggressive collection runs only once this much has been allocated on the managed heap since the last one.</summary>
    /// <remarks>Below it there is little to give back, and a small model's build reaches this code hundreds of times
    /// (per variant, per prepared layer); at 7B a single layer's arrays pass it.</remarks>
    public const long CollectAfterBytes = 256L << 20;

    private static bool _noMallocTrim = !OperatingSystem.IsLinux();
    private static long _allocatedAtLastCollection;

    /// <summary>Returns the C allocator's free memory to the system (glibc only; elsewhere nothing happens).</summary>
    public static void ReturnFreedNative()
    {
        if (_noMallocTrim) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _noMallocTrim = true; // musl and other C libraries have no malloc_trim
        }
    }

    /// <summary>
    /// Collects the managed heap aggressively (compacting, decommitting what it frees) when at least
    /// <see cref="CollectAfterBytes"/> were allocated since the last such collection, then trims the C heap: for the
    /// boundaries between layers and stages, where a fraction of a second buys back what the work before left behind.
    /// </summary>
    public static void Reclaim()
    {
        if (GC.GetTotalAllocatedBytes() - Interlocked.Read(ref _allocatedAtLastCollection) >= CollectAfterBytes)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            Interlocked.Exchange(ref _allocatedAtLastCollection, GC.GetTotalAllocatedBytes());
        }
        ReturnFreedNative();
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

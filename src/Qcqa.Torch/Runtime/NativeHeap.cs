using System.Runtime.InteropServices;

namespace Qcqa.Torch.Runtime;

/// <summary>Hands memory that libtorch freed back to the operating system between the layers of a streamed stage.</summary>
/// <remarks>
/// glibc's allocator keeps freed blocks in its arenas for reuse, and with tensors of hundreds of MB allocated on
/// several threads the arenas' free space adds up: a stage that holds one layer at a time kept growing by about a
/// layer's size per layer until <c>malloc_trim</c> was called between layers. Elsewhere (another C library, Windows,
/// macOS) this does nothing.
/// </remarks>
internal static class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns the allocator's free memory to the system (glibc only; otherwise nothing happens).</summary>
    public static void ReturnFreedToSystem()
    {
        if (_unavailable) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true; // musl and other C libraries have no malloc_trim
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

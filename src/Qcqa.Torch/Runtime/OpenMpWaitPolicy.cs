using System.Runtime.InteropServices;

namespace Qcqa.Torch.Runtime;

/// <summary>
/// libtorch's CPU kernels run in parallel on OpenMP (GNU libgomp on Linux). By default libgomp's idle threads spin
/// at every barrier for a long while before they sleep; on a machine whose cores are busy with other processes a
/// spinning thread holds a core the thread it waits for needs, and every parallel kernel stalls. Measured on the
/// 2-core development machine under load (load average about 10), a fine-tuning step of the reference model ran at
/// about 500 tokens/s with 2 threads spinning against 2,500–3,000 tokens/s with them sleeping (OMP_WAIT_POLICY=PASSIVE),
/// and the AdamW update alone went from 16 ms to 1.3 s. The passive policy costs a wake-up per parallel region, which
/// kernels of a millisecond or more do not notice. It has no effect on results: the work is split the same way.
/// </summary>
/// <remarks>
/// libgomp reads <c>OMP_WAIT_POLICY</c> once, when it is loaded, from the process's native environment (which
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change on Unix), so
/// <see cref="TorchRuntime"/> sets it with <c>setenv</c> before libtorch loads. A value the user set is kept: set
/// <c>OMP_WAIT_POLICY=ACTIVE</c> to get the spinning behaviour back. Linux only; elsewhere nothing is changed.
/// </remarks>
internal static class OpenMpWaitPolicy
{
    /// <summary>The variable OpenMP runtimes read.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>The value set when the user set none.</summary>
    public const string Default = "PASSIVE";

    /// <summary>Sets <see cref="Variable"/> to <see cref="Default"/> in the native environment unless it is set; Linux only.</summary>
    /// <returns>True when this call set it.</returns>
    public static bool ApplyDefault()
    {
        if (!OperatingSystem.IsLinux() || NativeValue() is not null) return false;
        return SetEnvironment(Variable, Default, overwrite: 0) == 0;
    }

    /// <summary>The variable's value in the native environment (what libgomp sees), or null; Linux only.</summary>
    public static string? NativeValue() => OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(GetEnvironment(Variable)) : null;

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}

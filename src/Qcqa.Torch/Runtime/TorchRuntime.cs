using System.Runtime.InteropServices;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Native;
using TorchSharp;

namespace Qcqa.Torch.Runtime;

/// <summary>
/// Loads TorchSharp's native libraries so that they work on this machine. Call <see cref="EnsureInitialized"/>
/// before the first use of <c>TorchSharp.torch</c>: its static constructor loads <c>LibTorchSharp</c> once, and
/// if that fails the type stays unusable for the life of the process.
/// </summary>
/// <remarks>
/// <para>
/// TorchSharp 0.107's static constructor calls <c>NativeLibrary.TryLoad("torch_cpu", …)</c> and then
/// <c>NativeLibrary.TryLoad("LibTorchSharp", …)</c> relative to <c>TorchSharp.dll</c>. Those calls do not consult
/// <see cref="NativeLibrary.SetDllImportResolver"/> (verified), and when they fail TorchSharp copies every
/// native file of the libtorch and TorchSharp packages (about 1 GB) into a <c>cpu/</c> folder beside the app and
/// retries, before throwing a generic "doesn't contain a reference to libtorch-cpu-linux-x64" error.
/// </para>
/// <para>
/// On Linux with a libstdc++ older than GCC 13's, <c>libLibTorchSharp.so</c> fails only on its requirement of
/// <c>GLIBCXX_3.4.32</c>. This class then has <see cref="LibStdCxxCompatibility"/> (the Qcqa.Torch.Native assembly)
/// load libtorch from its usual place and a patched copy of <c>libLibTorchSharp.so</c> from the per-user cache, and
/// registers a DllImport resolver for TorchSharp's P/Invokes. TorchSharp's
/// own probe then succeeds because its last fallback, <c>dlopen("libLibTorchSharp.so")</c> without a path, matches
/// the soname of the copy already loaded. Set <c>QCQA_TORCH_NATIVE_PATCH=0</c> to turn the patch off.
/// </para>
/// <para>
/// Before loading anything it sets <c>OMP_WAIT_POLICY=PASSIVE</c> unless the user set it (see <see cref="OpenMpWaitPolicy"/>):
/// libtorch's OpenMP threads then sleep instead of spinning at barriers, which on a loaded machine is several times faster.
/// </para>
/// </remarks>
public static class TorchRuntime
{
    /// <summary>Environment variable that disables the libstdc++ compatibility patch when set to <c>0</c>, <c>false</c> or <c>off</c>.</summary>
    public const string PatchSwitchVariable = LibStdCxxCompatibility.PatchSwitchVariable;

    private const string LibTorchSharpName = "LibTorchSharp";
    private static readonly Lock Gate = new();
    private static TorchRuntimeInfo? _info;

    /// <summary>The result of the successful initialisation, or null before it.</summary>
    public static TorchRuntimeInfo? Info => Volatile.Read(ref _info);

    /// <summary>
    /// Makes TorchSharp usable on the CPU, patching its native library first where the system needs it.
    /// Idempotent and thread-safe; after the first success it returns the same result at once.
    /// </summary>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.RuntimeUnavailable"/>: the native libraries cannot be loaded here.</exception>
    public static TorchRuntimeInfo EnsureInitialized()
    {
        if (Volatile.Read(ref _info) is { } done) return done;
        lock (Gate)
        {
            if (_info is null) Volatile.Write(ref _info, Initialize());
            return _info!;
        }
    }

    private static TorchRuntimeInfo Initialize()
    {
        // Before anything loads libtorch (and with it libgomp, which reads the variable once).
        OpenMpWaitPolicy.ApplyDefault();
        var info = new TorchRuntimeInfo(NativePatchDecision.Decide([], [], []), null, null, null);
        if (OperatingSystem.IsLinux() && !LibStdCxxCompatibility.PatchDisabled)
        {
            var original = TorchSharpNativeFiles.Find(TorchSharpNativeFiles.LibTorchSharpFileName);
            // Not found: leave the search to TorchSharp, whose error names the package to reference.
            if (original is not null) info = PrepareLinux(original);
        }

        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException
                                      or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            throw new QcqaException(ErrorCodes.RuntimeUnavailable,
                "TorchSharp's native library (libtorch) could not be loaded: " + FirstLine(e) +
                " Reference the libtorch-cpu package for this platform (or a CUDA one), and call TorchRuntime.EnsureInitialized() before any other use of TorchSharp.",
                inner: e);
        }
        return info;
    }

    private static TorchRuntimeInfo PrepareLinux(string original)
    {
        var fix = LibStdCxxCompatibility.Apply(original, TorchSharpNativeFiles.Find);
        if (fix.PatchedLibraryPath is not null) RegisterResolver(fix.Handle);
        return new(fix.Decision, fix.OriginalLibraryPath, fix.PatchedLibraryPath, fix.LibStdCxxPath);
    }

    private static void RegisterResolver(IntPtr handle)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly,
                (name, _, _) => name == LibTorchSharpName ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // The application registered its own resolver; the soname match still routes loads to our copy.
        }
    }

    private static string FirstLine(Exception e)
    {
        while (e.InnerException is not null && e is TypeInitializationException) e = e.InnerException;
        var text = e.Message.Trim();
        var newline = text.IndexOf('\n');
        return (newline < 0 ? text : text[..newline].Trim()).TrimEnd('.') + ".";
    }
}

using Qcqa.Torch.Native;

namespace Qcqa.Torch.Runtime;

/// <summary>What <see cref="TorchRuntime.EnsureInitialized"/> found and did.</summary>
/// <param name="Decision">Whether TorchSharp's native library needed a patch on this machine.</param>
/// <param name="OriginalLibraryPath">The <c>libLibTorchSharp.so</c> that was inspected, or null (not Linux, patching disabled, or not found).</param>
/// <param name="PatchedLibraryPath">The patched copy that was loaded instead, or null when the original was used.</param>
/// <param name="LibStdCxxPath">The process's libstdc++ whose versions were compared, or null when not inspected.</param>
public sealed record TorchRuntimeInfo(
    NativePatchDecision Decision,
    string? OriginalLibraryPath,
    string? PatchedLibraryPath,
    string? LibStdCxxPath)
{
    /// <summary>True when a patched copy of TorchSharp's native library is in use.</summary>
    public bool UsesPatchedLibrary => PatchedLibraryPath is not null;
}

namespace Qcqa.Torch.Native;

/// <summary>What <see cref="LibStdCxxCompatibility.Apply"/> found and did.</summary>
/// <param name="Decision">Whether the library needed a patch on this machine.</param>
/// <param name="OriginalLibraryPath">The library that was inspected.</param>
/// <param name="PatchedLibraryPath">The patched copy that was loaded instead, or null when the original is fine.</param>
/// <param name="LibStdCxxPath">The process's libstdc++ whose versions were compared, or null when none is loaded.</param>
/// <param name="Handle">The loaded copy's handle, or zero when no copy was loaded.</param>
public sealed record NativeFix(NativePatchDecision Decision, string OriginalLibraryPath, string? PatchedLibraryPath, string? LibStdCxxPath, IntPtr Handle);

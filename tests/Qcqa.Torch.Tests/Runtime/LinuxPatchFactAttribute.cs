using Qcqa.Torch.Native;
using Xunit;

namespace Qcqa.Torch.Tests.Runtime;

/// <summary>
/// A fact about the libstdc++ patch decision, which is only made on Linux with the patch switched on: reported as
/// skipped (with the reason) elsewhere, never passed silently.
/// </summary>
public sealed class LinuxPatchFactAttribute : FactAttribute
{
    /// <summary>Skips the test on other systems and when <c>QCQA_TORCH_NATIVE_PATCH</c> turns the patch off.</summary>
    public LinuxPatchFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "The libstdc++ patch decision is only made on Linux.";
        else if (LibStdCxxCompatibility.PatchDisabled) Skip = $"{LibStdCxxCompatibility.PatchSwitchVariable} switches the patch off.";
    }
}

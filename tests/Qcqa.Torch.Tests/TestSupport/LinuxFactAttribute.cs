namespace Qcqa.Torch.Tests.TestSupport;

/// <summary>A fact about behaviour that exists on Linux only; skipped (and reported as skipped) elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Linux only.";
    }
}

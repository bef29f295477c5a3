using Xunit;

namespace Qcqa.Build.Tasks.Tests;

/// <summary>A fact that needs /bin/sh (the stand-in engines are shell scripts); skipped on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "The stand-in engines are POSIX shell scripts.";
    }
}

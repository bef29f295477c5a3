using System.Diagnostics;

namespace Qcqa.Tests.Shared;

/// <summary>
/// Whether this machine's <c>env</c> can restore SIGINT's default disposition (GNU coreutils 8.31 and later): a test
/// run started in the background by a non-interactive shell inherits SIGINT ignored, and a child started through
/// <c>env --default-signal=INT</c> gets it back (env execs the program, so the process id stays the same).
/// </summary>
public static class SigintReset
{
    private static readonly Lazy<bool> Probe = new(() =>
    {
        if (OperatingSystem.IsWindows()) return false;
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("env", ["--default-signal=INT", "true"]) { RedirectStandardError = true, UseShellExecute = false })!;
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>True when <c>env --default-signal=INT</c> works here.</summary>
    public static bool Available => Probe.Value;
}

using System.Diagnostics;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>Runs processes to completion with a timeout, capturing their output (see <see cref="RunningProcess"/>).</summary>
public static class ProcessRunner
{
    /// <summary>Runs <paramref name="start"/> and returns how it ended.</summary>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (and was killed).</exception>
    public static ProcessResult Run(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = RunningProcess.Start(start);
        return process.WaitForExit(timeout);
    }
}

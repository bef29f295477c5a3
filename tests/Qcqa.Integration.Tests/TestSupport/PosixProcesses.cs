using System.Diagnostics;
using System.Globalization;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>What a test needs of POSIX processes beyond <see cref="Process"/>: starting a child whose SIGINT is at its
/// default disposition, and finding processes by their command line (Linux: <c>/proc</c>).</summary>
public static class PosixProcesses
{
    /// <summary>Whether this machine's <c>env</c> can restore SIGINT's default disposition (GNU coreutils 8.31 and later).</summary>
    public static bool CanResetSigint => Qcqa.Tests.Shared.SigintReset.Available;

    /// <summary>
    /// <paramref name="start"/> run through <c>env --default-signal=INT</c> (same process id: env execs the program).
    /// A test run started in the background by a non-interactive shell (as CI may do) inherits SIGINT ignored, .NET
    /// keeps an inherited SIG_IGN, and so would every child; a user's Ctrl-C reaches a build whose SIGINT is at its default.
    /// </summary>
    public static ProcessStartInfo WithDefaultSigint(ProcessStartInfo start)
    {
        if (!CanResetSigint) return start;
        var wrapped = new ProcessStartInfo("env") { WorkingDirectory = start.WorkingDirectory };
        wrapped.ArgumentList.Add("--default-signal=INT");
        wrapped.ArgumentList.Add(start.FileName);
        foreach (var argument in start.ArgumentList) wrapped.ArgumentList.Add(argument);
        wrapped.Environment.Clear();
        foreach (var (name, value) in start.Environment) wrapped.Environment[name] = value;
        return wrapped;
    }

    /// <summary>The ids of running processes whose command line has an argument equal to <paramref name="argument"/> (Linux only; empty elsewhere).</summary>
    public static IReadOnlyList<int> WithArgument(string argument)
    {
        var found = new List<int>();
        if (!OperatingSystem.IsLinux()) return found;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var arguments = File.ReadAllText(Path.Combine(folder, "cmdline")).Split('\0');
                // A zombie (exited, not yet reaped) has an empty command line.
                if (arguments.Contains(argument, StringComparer.Ordinal)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It exited while being read.
            }
        }
        return found;
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Qcqa.Cli.Tests.Signals;

/// <summary>The real tool (<c>dotnet-qcqa.dll</c> beside the tests) in a child process, to be signalled like a user's shell would.</summary>
internal sealed class EngineProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();

    private EngineProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_error) _error.AppendLine(e.Data); };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    internal static EngineProcess Start(params string[] args)
    {
        // A test run started in the background by a non-interactive shell (as CI may do) inherits SIGINT ignored, and
        // .NET keeps an inherited SIG_IGN for SIGINT; a user's Ctrl-C reaches a tool whose SIGINT is at its default,
        // so the child is started that way (GNU env restores the default disposition).
        var info = new ProcessStartInfo(Qcqa.Tests.Shared.SigintReset.Available ? "env" : "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Qcqa.Tests.Shared.SigintReset.Available)
        {
            info.ArgumentList.Add("--default-signal=INT");
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dotnet-qcqa.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return new EngineProcess(Process.Start(info)!);
    }

    internal bool HasExited => _process.HasExited;


    internal string Error
    {
        get { lock (_error) return _error.ToString(); }
    }

    /// <summary>Sends a POSIX signal (2 SIGINT, 9 SIGKILL, 15 SIGTERM).</summary>
    internal void Signal(int signal) => Assert.Equal(0, Kill(_process.Id, signal));

    internal int WaitForExit(TimeSpan timeout)
    {
        Assert.True(_process.WaitForExit(timeout), "the tool did not exit in time:\n" + Error);
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Qcqa.Integration.Tests.TestSupport;

/// <summary>
/// A started process whose standard output and error are collected line by line as they arrive, so a test can
/// wait for a line, kill the whole process tree mid-way, or wait for the end with a timeout. Disposing kills
/// what is still running: no test leaves a process behind.
/// </summary>
public sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _newLine = new(0);
    private readonly string _description;

    private RunningProcess(ProcessStartInfo start)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        _description = string.Join(' ', new[] { start.FileName }.Concat(start.ArgumentList));
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <paramref name="start"/>; redirection settings are filled in here.</summary>
    public static RunningProcess Start(ProcessStartInfo start) => new(start);

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything printed so far.</summary>
    public string Output
    {
        get { lock (_lines) return string.Join('\n', _lines); }
    }

    /// <summary>Waits until a printed line satisfies <paramref name="predicate"/> (true), or the process exits or the time is up (false).</summary>
    public bool WaitForLine(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        var checkedLines = 0;
        while (true)
        {
            lock (_lines)
            {
                for (; checkedLines < _lines.Count; checkedLines++)
                    if (predicate(_lines[checkedLines])) return true;
            }
            var left = deadline - _clock.Elapsed;
            if (left <= TimeSpan.Zero || _process.HasExited && !_newLine.Wait(TimeSpan.FromMilliseconds(200))) return false;
            _newLine.Wait(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Waits for the exit; on timeout kills the process tree and throws with what it printed.</summary>
    /// <exception cref="TimeoutException">The process did not exit in time.</exception>
    public ProcessResult WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"'{_description}' did not finish within {timeout.TotalSeconds:F0} s and was killed. Output:\n{Output}");
        }
        _process.WaitForExit(); // drains the asynchronous output readers
        return new ProcessResult(_process.ExitCode, Output, _clock.Elapsed);
    }

    /// <summary>Sends POSIX signal <paramref name="signal"/> (2 SIGINT, 15 SIGTERM) to the process alone, as a terminal's Ctrl-C
    /// does to each process of its foreground group (Unix only).</summary>
    /// <exception cref="InvalidOperationException">The signal could not be sent.</exception>
    public void Signal(int signal) => SendSignal(Id, signal);

    /// <summary>Sends POSIX signal <paramref name="signal"/> to process <paramref name="pid"/> (Unix only).</summary>
    /// <exception cref="InvalidOperationException">The signal could not be sent (no such process, or not Unix).</exception>
    public static void SendSignal(int pid, int signal)
    {
        if (OperatingSystem.IsWindows()) throw new InvalidOperationException("POSIX signals are not available on Windows.");
        if (SysKill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>Kills the process and everything it started, and waits for it to go.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>Kills what is still running and releases the process.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _newLine.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
        _newLine.Release();
    }
}

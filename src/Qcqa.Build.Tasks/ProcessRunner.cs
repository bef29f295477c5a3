using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Runs a process and hands its output lines, stdout and stderr interleaved as they arrive, to a callback on the
/// calling thread (MSBuild logging is only safe from the task's own thread).
/// </summary>
/// <remarks>
/// Cancellation stops the process the way Ctrl-C stops a tool: on Unix it first receives SIGTERM, which the engine
/// turns into a stop at its next safe point (it removes its temporary files and folders and exits with QCQA005); only
/// a process still running after the grace period is killed with its whole tree (a killed engine's temporaries are
/// removed by the next build). On Windows there is no such signal for a process without a console of its own, so
/// the tree is killed at once.
/// </remarks>
internal static class ProcessRunner
{
    private const int Sigterm = 15;

    /// <summary>How long a cancelled process may take to stop by itself before it is killed.</summary>
    internal static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(30);

    // After a cancelled process exited, how long its output may still be read (a grandchild may hold the pipes open).
    private static readonly TimeSpan DrainAfterExit = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="start"/> to completion.</summary>
    /// <param name="start">What to run; redirection settings are filled in here.</param>
    /// <param name="onLine">Receives each line and whether it came from stderr.</param>
    /// <param name="cancellation">Stops the process (SIGTERM, then after <paramref name="gracePeriod"/> a tree kill).</param>
    /// <param name="gracePeriod">How long a cancelled process may take to exit; <see cref="DefaultGracePeriod"/> when null.</param>
    /// <param name="onStopping">Called (on any thread) when cancellation has signalled the process, with true when it will be
    /// killed at once instead.</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    internal static int Run(ProcessStartInfo start, Action<string, bool> onLine, CancellationToken cancellation,
        TimeSpan? gracePeriod = null, Action<bool>? onStopping = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // The engine never reads input; a closed stdin makes a prompt fail fast instead of hanging the build.
        start.RedirectStandardInput = true;
        start.StandardOutputEncoding = System.Text.Encoding.UTF8;
        start.StandardErrorEncoding = System.Text.Encoding.UTF8;

        using var process = new Process { StartInfo = start };
        using var lines = new BlockingCollection<(string Line, bool IsError)>();
        using var drained = new CancellationTokenSource();
        process.Start();
        process.StandardInput.Close();
        var pumps = new[]
        {
            Task.Run(() => Pump(process.StandardOutput, false, lines)),
            Task.Run(() => Pump(process.StandardError, true, lines)),
        };
        _ = Task.WhenAll(pumps).ContinueWith(_ =>
        {
            try { lines.CompleteAdding(); } catch (ObjectDisposedException) { } // gave up on the output already
        }, TaskScheduler.Default);
        Task? stopping = null;
        using (cancellation.Register(() => stopping = Task.Run(() => Stop(process, gracePeriod ?? DefaultGracePeriod, drained, onStopping))))
        {
            try
            {
                foreach (var (line, isError) in lines.GetConsumingEnumerable(drained.Token)) onLine(line, isError);
            }
            catch (OperationCanceledException) when (drained.IsCancellationRequested)
            {
                // Cancelled, exited, and the rest of the output did not come in time: what came is what there is.
            }
            process.WaitForExit();
        }
        stopping?.Wait();
        return process.ExitCode;
    }

    private static void Pump(StreamReader reader, bool isError, BlockingCollection<(string, bool)> lines)
    {
        try
        {
            while (reader.ReadLine() is { } line) lines.Add((line, isError));
        }
        catch (InvalidOperationException)
        {
            // The reader gave up on the output (see DrainAfterExit): the collection is completed or disposed
            // (ObjectDisposedException is one of these).
        }
    }

    // SIGTERM, the grace period, then the tree kill; finally a bounded wait for the rest of the output.
    private static void Stop(Process process, TimeSpan gracePeriod, CancellationTokenSource drained, Action<bool>? onStopping)
    {
        try
        {
            if (process.HasExited) return;
            var signalled = !OperatingSystem.IsWindows() && SysKill(process.Id, Sigterm) == 0;
            onStopping?.Invoke(!signalled);
            if (!signalled || !process.WaitForExit(gracePeriod)) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        finally
        {
            drained.CancelAfter(DrainAfterExit);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}

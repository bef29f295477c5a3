using System.Collections.Concurrent;
using System.Diagnostics;

namespace Qcqa.Build.Tasks;

/// <summary>
/// Runs a process and hands its output lines, stdout and stderr interleaved as they arrive, to a callback on the
/// calling thread (MSBuild logging is only safe from the task's own thread).
/// </summary>
internal static class ProcessRunner
{
    /// <summary>Runs <paramref name="start"/> to completion.</summary>
    /// <param name="start">What to run; redirection settings are filled in here.</param>
    /// <param name="onLine">Receives each line and whether it came from stderr.</param>
    /// <param name="cancellation">Kills the process tree when cancelled.</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    internal static int Run(ProcessStartInfo start, Action<string, bool> onLine, CancellationToken cancellation)
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
        process.Start();
        process.StandardInput.Close();
        var pumps = new[]
        {
            Task.Run(() => Pump(process.StandardOutput, false, lines)),
            Task.Run(() => Pump(process.StandardError, true, lines)),
        };
        _ = Task.WhenAll(pumps).ContinueWith(_ => lines.CompleteAdding(), TaskScheduler.Default);
        using (cancellation.Register(() => Kill(process)))
        {
            foreach (var (line, isError) in lines.GetConsumingEnumerable()) onLine(line, isError);
            process.WaitForExit();
        }
        return process.ExitCode;
    }

    private static void Pump(StreamReader reader, bool isError, BlockingCollection<(string, bool)> lines)
    {
        while (reader.ReadLine() is { } line) lines.Add((line, isError));
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }
}

using System.Runtime.InteropServices;

namespace Qcqa.Cli.Infrastructure;

/// <summary>
/// Turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into cancellation of the running command instead of an immediate exit, so
/// that it stops at the next safe point, removes its temporary output and says so (<see cref="CommandRunner"/>).
/// The same signal a second time while the first is being handled terminates the process the usual way (Ctrl-C twice);
/// another signal meanwhile is absorbed: a terminal's Ctrl-C reaches both `dotnet build` and the engine, and the build
/// task then stops the engine with SIGTERM, which must not cut short the clean stop that Ctrl-C began.
/// </summary>
internal sealed class ProcessCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _firstSignal = NoSignal;
    private const int NoSignal = int.MinValue;

    internal ProcessCancellation()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // SIGHUP does not exist on Windows; Ctrl-C and SIGTERM-like events still register.
            }
        }
    }

    /// <summary>Cancelled when the first signal arrives.</summary>
    internal CancellationToken Token => _source.Token;

    /// <summary>The signal that cancelled the command, or null.</summary>
    internal static PosixSignal? Received { get; private set; }

    /// <summary>The conventional exit code of a command stopped by <see cref="Received"/>: 128 + the signal number.</summary>
    internal static int ExitCode => Received switch
    {
        PosixSignal.SIGTERM => 143,
        PosixSignal.SIGHUP => 129,
        _ => 130,
    };

    /// <summary>The signal's name for messages.</summary>
    internal static string SignalName => Received switch
    {
        PosixSignal.SIGTERM => "SIGTERM",
        PosixSignal.SIGHUP => "SIGHUP",
        _ => "SIGINT (Ctrl-C)",
    };

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        var first = Interlocked.CompareExchange(ref _firstSignal, (int)context.Signal, NoSignal);
        if (first == (int)context.Signal) return; // the same signal again: default handling (terminate)
        context.Cancel = true;
        if (first != NoSignal) return; // another signal while stopping: already under way
        Received = context.Signal;
        _source.Cancel();
    }
}

using Qcqa.Cli.Infrastructure;
using Qcqa.Core.Build;
using Qcqa.Core.Progress;

namespace Qcqa.Cli.Output;

/// <summary>
/// Chooses how <c>build</c> shows its progress: protocol lines under MSBuild, a live display on an interactive
/// terminal, plain lines when standard error is redirected, nothing at <c>-v q</c>. Disposing restores the console.
/// </summary>
internal sealed class BuildProgressDisplay : IDisposable
{
    private readonly LiveProgress? _live;
    private readonly TextWriter? _originalError;

    private BuildProgressDisplay(IProgress<BuildProgressEvent>? progress, LiveProgress? live = null, TextWriter? originalError = null)
    {
        Progress = progress;
        _live = live;
        _originalError = originalError;
    }

    /// <summary>Where the build reports its progress; null when nothing is shown.</summary>
    public IProgress<BuildProgressEvent>? Progress { get; }

    /// <summary>True for the live display: the log should colour through the console's writer (see <see cref="CliLogging"/>).</summary>
    public bool IsLive => _live is not null;

    /// <summary>The display for this run.</summary>
    /// <param name="protocol">The MSBuild protocol writer, when the engine runs under MSBuild.</param>
    /// <param name="verbosity">The tool's verbosity (ignored under MSBuild, whose own verbosity decides).</param>
    public static BuildProgressDisplay For(EngineProtocolWriter? protocol, Verbosity verbosity)
        => For(protocol, verbosity, interactive: !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb");

    /// <summary>The display for this run, told whether standard error is an interactive terminal.</summary>
    /// <param name="protocol">The MSBuild protocol writer, when the engine runs under MSBuild.</param>
    /// <param name="verbosity">The tool's verbosity (ignored under MSBuild, whose own verbosity decides).</param>
    /// <param name="interactive">True when standard error is a terminal that understands cursor movement.</param>
    internal static BuildProgressDisplay For(EngineProtocolWriter? protocol, Verbosity verbosity, bool interactive)
    {
        if (protocol is not null) return new BuildProgressDisplay(new ProtocolProgress(protocol));
        if (verbosity == Verbosity.Quiet) return new BuildProgressDisplay(null);
        if (!interactive) return new BuildProgressDisplay(new PlainProgress(Console.Error));
        var original = Console.Error;
        var live = new LiveProgress(original, TerminalWidth, TimeSpan.FromMilliseconds(200));
        // Log lines reach the terminal through the display, which moves the status line out of their way.
        Console.SetError(live.Writer);
        return new BuildProgressDisplay(live, live, original);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _live?.Dispose();
        if (_originalError is not null) Console.SetError(_originalError);
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}

using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Qcqa.Cli.Infrastructure;

/// <summary>
/// Creates the tool's Serilog logger. Logs go to standard error so that standard output stays machine-readable
/// (<c>--json</c> output, the MSBuild protocol).
/// </summary>
internal static class CliLogging
{
    /// <param name="verbosity">The tool's verbosity.</param>
    /// <param name="protocol">Under MSBuild: every event goes into the protocol instead.</param>
    /// <param name="ansi">
    /// Colour with ANSI sequences written through <see cref="Console.Error"/> rather than by setting the console's
    /// colours: a live progress display that owns the terminal sees (and works around) every byte.
    /// </param>
    internal static Logger Create(Verbosity verbosity, Qcqa.Core.Build.EngineProtocolWriter? protocol = null, bool ansi = false)
    {
        var level = verbosity switch
        {
            Verbosity.Quiet => LogEventLevel.Warning,
            Verbosity.Detailed => LogEventLevel.Debug,
            Verbosity.Diagnostic => LogEventLevel.Verbose,
            _ => LogEventLevel.Information,
        };
        var configuration = new LoggerConfiguration().MinimumLevel.Is(level);
        // Under MSBuild every message travels in the engine protocol on standard output; MSBuild's own verbosity
        // then decides what is shown, so the engine sends everything down to Debug.
        if (protocol is not null) return configuration.MinimumLevel.Debug().WriteTo.Sink(new MsBuildProtocolSink(protocol)).CreateLogger();
        return configuration
            .WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                theme: ansi ? Serilog.Sinks.SystemConsole.Themes.AnsiConsoleTheme.Literate : null)
            .CreateLogger();
    }
}

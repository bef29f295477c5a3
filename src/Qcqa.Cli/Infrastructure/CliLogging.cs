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
    internal static Logger Create(Verbosity verbosity, Qcqa.Core.Build.EngineProtocolWriter? protocol = null)
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
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
    }
}

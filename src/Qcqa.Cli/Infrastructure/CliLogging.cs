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
    internal static Logger Create(Verbosity verbosity)
    {
        var level = verbosity switch
        {
            Verbosity.Quiet => LogEventLevel.Warning,
            Verbosity.Detailed => LogEventLevel.Debug,
            Verbosity.Diagnostic => LogEventLevel.Verbose,
            _ => LogEventLevel.Information,
        };
        return new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
    }
}

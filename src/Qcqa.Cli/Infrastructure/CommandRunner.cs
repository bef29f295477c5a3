using System.CommandLine;
using Qcqa.Core.Build;
using Qcqa.Core.Diagnostics;
using Serilog;

namespace Qcqa.Cli.Infrastructure;

/// <summary>
/// Runs a command body with the tool's error policy: a <see cref="QcqaException"/> is a user error, printed as one
/// canonical line per problem with exit code 1 and no stack trace; anything else is a bug and keeps its
/// trace. With a protocol writer (MSBuild mode) errors go to standard output as <c>error:</c> lines instead.
/// </summary>
internal static class CommandRunner
{
    internal static async Task<int> RunAsync(ParseResult parseResult, Func<ILogger, CancellationToken, Task<int>> body, CancellationToken cancellationToken,
        TextWriter? error = null, EngineProtocolWriter? protocol = null, bool ansiLog = false)
    {
        error ??= Console.Error;
        using var logger = CliLogging.Create(parseResult.GetValue(CommonOptions.VerbosityOption), protocol, ansiLog);
        try
        {
            return await body(logger, cancellationToken);
        }
        catch (QcqaException e)
        {
            await ReportAsync(e, error, protocol);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReportAsync(new QcqaException(ErrorCodes.Cancelled, $"Cancelled by {ProcessCancellation.SignalName}; temporary output was removed and nothing partial was kept."),
                error, protocol);
            return ProcessCancellation.ExitCode;
        }
    }

    // One canonical line per problem: on standard error for people, as protocol error lines for MSBuild.
    private static async Task ReportAsync(QcqaException e, TextWriter error, EngineProtocolWriter? protocol)
    {
        foreach (var diagnostic in e.Diagnostics)
        {
            if (protocol is not null) protocol.Error(diagnostic);
            else await error.WriteLineAsync(diagnostic.ToCanonicalString());
        }
    }
}

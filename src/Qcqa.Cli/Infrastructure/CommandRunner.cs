using System.CommandLine;
using Qcqa.Core.Diagnostics;
using Serilog;

namespace Qcqa.Cli.Infrastructure;

/// <summary>
/// Runs a command body with the tool's error policy: a <see cref="QcqaException"/> is a user error, printed as one
/// canonical line on standard error with exit code 1 and no stack trace; anything else is a bug and keeps its trace.
/// </summary>
internal static class CommandRunner
{
    internal static async Task<int> RunAsync(ParseResult parseResult, Func<ILogger, CancellationToken, Task<int>> body, CancellationToken cancellationToken, TextWriter? error = null)
    {
        error ??= Console.Error;
        using var logger = CliLogging.Create(parseResult.GetValue(CommonOptions.VerbosityOption));
        try
        {
            return await body(logger, cancellationToken);
        }
        catch (QcqaException e)
        {
            await error.WriteLineAsync(e.ToCanonicalString());
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("qcqa: cancelled; no partial output was kept.");
            return 130;
        }
    }
}

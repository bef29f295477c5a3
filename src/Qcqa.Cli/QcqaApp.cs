using System.CommandLine;
using Qcqa.Cli.Commands.Build;
using Qcqa.Cli.Commands.Eval;
using Qcqa.Cli.Commands.Generate;
using Qcqa.Cli.Commands.Inspect;
using Qcqa.Cli.Commands.Merge;
using Qcqa.Cli.Commands.Search;
using Qcqa.Cli.Commands.Synth;
using Qcqa.Cli.Commands.Wse;
using Qcqa.Cli.Infrastructure;
using Qcqa.Core.Diagnostics;

namespace Qcqa.Cli;

/// <summary>Builds the command tree of <c>dotnet qcqa</c> and runs it.</summary>
internal static class QcqaApp
{
    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("dotnet qcqa: compress the KV cache of LLM checkpoints with quality-aware grouped-query attention (QCQA).");
        root.Options.Add(CommonOptions.VerbosityOption);
        root.Subcommands.Add(BuildCommandDefinition.Create());
        root.Subcommands.Add(InspectCommandDefinition.Create());
        root.Subcommands.Add(WseCommandDefinition.Create());
        root.Subcommands.Add(MergeCommandDefinition.Create());
        root.Subcommands.Add(SearchCommandDefinition.Create());
        root.Subcommands.Add(SynthCommandDefinition.Create());
        root.Subcommands.Add(EvalCommandDefinition.Create());
        root.Subcommands.Add(GenerateCommandDefinition.Create());
        return root;
    }

    /// <summary>The tool's entry point: SIGINT, SIGTERM and SIGHUP cancel the running command cleanly.</summary>
    internal static async Task<int> RunAsync(string[] args)
    {
        using var cancellation = new ProcessCancellation();
        return await InvokeAsync(args, Console.Error, cancellation.Token);
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command. A parse error (unknown option, value out of range, missing
    /// argument) is printed as canonical QCQA003 lines with exit code 1, like every other user error.
    /// </summary>
    internal static async Task<int> InvokeAsync(string[] args, TextWriter error, CancellationToken cancellation)
    {
        var parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var problem in parseResult.Errors)
                await error.WriteLineAsync(CanonicalDiagnostic.Format(null, 0, 0, "error", ErrorCodes.BadArgument, problem.Message));
            await error.WriteLineAsync("Run 'dotnet qcqa --help' (or '<command> --help') for the usage.");
            return 1;
        }
        // Signals are handled by ProcessCancellation, which cancels the token; the parser's own handler would exit at once.
        return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellation);
    }
}

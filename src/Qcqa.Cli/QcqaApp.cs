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

    internal static async Task<int> RunAsync(string[] args) => await CreateRootCommand().Parse(args).InvokeAsync();
}

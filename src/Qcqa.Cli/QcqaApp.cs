using System.CommandLine;

namespace Qcqa.Cli;

/// <summary>Builds the command tree of <c>dotnet qcqa</c> and runs it.</summary>
internal static class QcqaApp
{
    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("dotnet qcqa: compress the KV cache of LLM checkpoints with quality-aware grouped-query attention (QCQA).");
        return root;
    }

    internal static async Task<int> RunAsync(string[] args)
    {
        var root = CreateRootCommand();
        return await root.Parse(args).InvokeAsync();
    }
}

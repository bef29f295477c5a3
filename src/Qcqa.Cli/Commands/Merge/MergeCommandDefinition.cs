using System.CommandLine;
using Qcqa.Cli.Infrastructure;

namespace Qcqa.Cli.Commands.Merge;

/// <summary><c>dotnet qcqa merge &lt;model-dir&gt; --grouping &lt;grouping.json&gt; --out &lt;dir&gt;</c>.</summary>
internal static class MergeCommandDefinition
{
    internal static readonly Argument<string> ModelArgument = new Argument<string>("model-dir") { Description = "Hugging Face model folder to compress (never modified)." }.NonEmptyPath();
    internal static readonly Option<string> GroupingOption = new Option<string>("--grouping") { Description = "Grouping file (JSON): which KV heads share one KV head, per layer.", Required = true }.NonEmptyPath();
    internal static readonly Option<string> OutOption = new Option<string>("--out", "-o") { Description = "Output folder for the compressed checkpoint.", Required = true }.NonEmptyPath();

    internal static Command Create()
    {
        var command = new Command("merge", "Mean-pool the K/V heads of every group and write the compressed checkpoint.");
        command.Arguments.Add(ModelArgument);
        command.Options.Add(GroupingOption);
        command.Options.Add(OutOption);
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, token) => Task.FromResult(new MergeCommand(parseResult, log).Execute(token)), ct));
        return command;
    }
}

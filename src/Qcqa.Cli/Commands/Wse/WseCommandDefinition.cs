using System.CommandLine;
using Qcqa.Cli.Infrastructure;

namespace Qcqa.Cli.Commands.Wse;

/// <summary><c>dotnet qcqa wse &lt;model-dir&gt; --grouping &lt;grouping.json&gt; [--json]</c>.</summary>
internal static class WseCommandDefinition
{
    internal static readonly Argument<string> ModelArgument = new Argument<string>("model-dir") { Description = "Hugging Face model folder." }.NonEmptyPath();
    internal static readonly Option<string> GroupingOption = new Option<string>("--grouping") { Description = "Grouping file (JSON) to evaluate.", Required = true }.NonEmptyPath();
    internal static readonly Option<bool> JsonOption = new("--json") { Description = "Print the grouping file with WSE filled in, instead of a table." };

    internal static Command Create()
    {
        var command = new Command("wse", "Compute the weight-sharing error of a grouping, per layer and in total.");
        command.Arguments.Add(ModelArgument);
        command.Options.Add(GroupingOption);
        command.Options.Add(JsonOption);
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, _) => Task.FromResult(new WseCommand(parseResult).Execute(Console.Out)), ct));
        return command;
    }
}

using System.CommandLine;
using Qcqa.Cli.Infrastructure;

namespace Qcqa.Cli.Commands.Inspect;

/// <summary><c>dotnet qcqa inspect &lt;model-dir&gt; [--json]</c>.</summary>
internal static class InspectCommandDefinition
{
    internal static readonly Argument<string> ModelArgument = new Argument<string>("model-dir") { Description = "Hugging Face model folder (config.json + safetensors)." }.NonEmptyPath();
    internal static readonly Option<bool> JsonOption = new("--json") { Description = "Print JSON instead of a table." };

    internal static Command Create()
    {
        var command = new Command("inspect", "Show layers, heads, sizes, KV-cache bytes per token and the WSE plain GQA at 50 % would cost each layer.");
        command.Arguments.Add(ModelArgument);
        command.Options.Add(JsonOption);
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, _) => Task.FromResult(new InspectCommand(parseResult).Execute(Console.Out)), ct));
        return command;
    }
}

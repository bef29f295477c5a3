using System.CommandLine;
using Qcqa.Cli.Infrastructure;

namespace Qcqa.Cli.Commands.Generate;

/// <summary>
/// <c>dotnet qcqa generate &lt;model-dir&gt; --prompt "..." [--max-new-tokens N] [--temperature T] [--seed S] [--device cpu|cuda|auto] [--memory-limit SIZE]</c>.
/// </summary>
internal static class GenerateCommandDefinition
{
    /// <summary>New tokens when none is given.</summary>
    internal const int DefaultMaxNewTokens = 64;

    internal static readonly Argument<string> ModelArgument = new("model-dir") { Description = "Hugging Face model folder (original, standard GQA, or QcqaBuild's per-layer map form)." };
    internal static readonly Option<string> PromptOption = new("--prompt", "-p") { Description = "The text to continue (encoded with the model's own tokenizer).", Required = true };
    internal static readonly Option<int> MaxNewTokensOption = new("--max-new-tokens", "-n")
    {
        Description = "Stop after this many new tokens (or at the end-of-sequence token).",
        DefaultValueFactory = _ => DefaultMaxNewTokens,
    };
    internal static readonly Option<double> TemperatureOption = new("--temperature", "-t") { Description = "Sampling temperature; 0 (the default) picks the most likely token every step." };
    internal static readonly Option<long?> SeedOption = new("--seed") { Description = "Seed of the sampler, so that sampling with a temperature repeats exactly." };
    internal static readonly Option<string> DeviceOption = CommonOptions.CreateDeviceOption();
    internal static readonly Option<long?> MemoryLimitOption = CommonOptions.CreateMemoryLimitOption();

    internal static Command Create()
    {
        var command = new Command("generate", "Continue a prompt with a model, streaming the text, using the model's real KV cache; ends with the KV-cache bytes per token and tokens/s.");
        command.Arguments.Add(ModelArgument);
        command.Options.Add(PromptOption);
        command.Options.Add(MaxNewTokensOption);
        command.Options.Add(TemperatureOption);
        command.Options.Add(SeedOption);
        command.Options.Add(DeviceOption);
        command.Options.Add(MemoryLimitOption);
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, token) => Task.FromResult(new GenerateCommand(parseResult, log).Execute(Console.Out, token)), ct));
        return command;
    }
}

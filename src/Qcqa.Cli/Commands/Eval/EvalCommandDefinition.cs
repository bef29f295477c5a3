using System.CommandLine;
using Qcqa.Cli.Infrastructure;
using Qcqa.Torch.Evaluation;

namespace Qcqa.Cli.Commands.Eval;

/// <summary>
/// <c>dotnet qcqa eval &lt;model-dir&gt; --text &lt;file&gt; [--max-tokens N] [--window W] [--generate N] [--device cpu|cuda|auto] [--memory-limit SIZE] [--precision float32|bfloat16] [--json]</c>.
/// </summary>
internal static class EvalCommandDefinition
{
    internal static readonly Argument<string> ModelArgument = new Argument<string>("model-dir") { Description = "Hugging Face model folder (original or QcqaBuild output, including per-layer maps)." }.NonEmptyPath();
    internal static readonly Option<string> TextOption = new Option<string>("--text") { Description = "Held-out text file (UTF-8), tokenized by the model's own tokenizer (tokenizer.json or tokenizer.model; bytes for a byte-level model).", Required = true }.NonEmptyPath();
    internal static readonly Option<long?> MaxTokensOption = new Option<long?>("--max-tokens") { Description = "Evaluate at most this many tokens (of the model's tokenizer) from the start of the text (2 or more)." }.InRange(2, long.MaxValue);
    internal static readonly Option<int> WindowOption = new("--window")
    {
        Description = "Tokens per perplexity window (windows do not overlap; the first token of each is not scored).",
        DefaultValueFactory = _ => PerplexityOptions.DefaultWindowSize,
    };
    internal static readonly Option<int> GenerateOption = new Option<int>("--generate") { Description = "Also decode this many tokens greedily to measure the KV cache per token and the decode speed (0 to 1000000)." }.InRange(0, 1_000_000);
    internal static readonly Option<string> DeviceOption = CommonOptions.CreateDeviceOption();
    internal static readonly Option<long?> MemoryLimitOption = CommonOptions.CreateMemoryLimitOption();
    internal static readonly Option<string> PrecisionOption = new("--precision")
    {
        Description = "Arithmetic of the projections: float32 (default) or bfloat16 (about 3x faster on CPUs with bfloat16 instructions; norms, softmax and the residual stream stay float32).",
        DefaultValueFactory = _ => "float32",
    };
    internal static readonly Option<bool> JsonOption = new("--json") { Description = "Print the result as JSON instead of a summary." };

    internal static Command Create()
    {
        var command = new Command("eval", "Measure a model's perplexity on held-out text and, optionally, its KV cache and decode speed while generating.");
        command.Arguments.Add(ModelArgument);
        command.Options.Add(TextOption);
        command.Options.Add(MaxTokensOption);
        command.Options.Add(WindowOption);
        command.Options.Add(GenerateOption);
        command.Options.Add(DeviceOption);
        command.Options.Add(MemoryLimitOption);
        command.Options.Add(PrecisionOption);
        PrecisionOption.AcceptOnlyFromAmong([.. Qcqa.Core.Spec.SpecNames.Precisions.Keys]);
        command.Options.Add(JsonOption);
        command.SetAction((parseResult, ct) => CommandRunner.RunAsync(parseResult, (log, token) => Task.FromResult(new EvalCommand(parseResult, log).Execute(Console.Out, token)), ct));
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using Qcqa.Cli.Infrastructure;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Evaluation;
using Qcqa.Torch.Text;
using Serilog;

namespace Qcqa.Cli.Commands.Eval;

/// <summary>Evaluates a checkpoint: perplexity (per token and bits per byte) on text read with the model's own tokenizer, then optionally a generation benchmark.</summary>
internal sealed class EvalCommand(ParseResult parseResult, ILogger log)
{
    private readonly string _model = parseResult.GetValue(EvalCommandDefinition.ModelArgument)!;
    private readonly string _text = parseResult.GetValue(EvalCommandDefinition.TextOption)!;
    private readonly long? _maxTokens = parseResult.GetValue(EvalCommandDefinition.MaxTokensOption);
    private readonly int _window = parseResult.GetValue(EvalCommandDefinition.WindowOption);
    private readonly int _generate = parseResult.GetValue(EvalCommandDefinition.GenerateOption);
    private readonly string _device = parseResult.GetValue(EvalCommandDefinition.DeviceOption)!;
    private readonly long? _memoryLimit = parseResult.GetValue(EvalCommandDefinition.MemoryLimitOption);
    private readonly string _precision = parseResult.GetValue(EvalCommandDefinition.PrecisionOption)!;
    private readonly bool _json = parseResult.GetValue(EvalCommandDefinition.JsonOption);

    internal int Execute(TextWriter output, CancellationToken cancellationToken)
    {
        if (_generate < 0) throw new QcqaException(ErrorCodes.BadArgument, $"--generate must be 0 or more (got {_generate}).");
        // Everything that can fail cheaply fails before libtorch loads and the weights are read.
        var text = TokenizedText.Load(ModelTokenizer.Load(_model), _text, _maxTokens);
        var options = new EvaluationOptions { Perplexity = new PerplexityOptions { WindowSize = _window }, GenerateTokens = _generate,
            Memory = CommonOptions.ResolveMemoryLimit(_memoryLimit), Precision = Qcqa.Core.Spec.SpecNames.Precisions[_precision] };
        var result = CheckpointEvaluation.Run(_model, text, options, _device, log, new EvaluationProgressLog(log), cancellationToken);

        if (_json) output.WriteLine(result.ToJson());
        else WriteSummary(output, Path.GetFullPath(_model), text, result, _precision);
        return 0;
    }

    private static void WriteSummary(TextWriter output, string model, TokenizedText text, EvaluationResult result, string precision)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"model        {model}");
        output.WriteLine(string.Create(c, $"text         {text.Path} ({result.Tokens:N0} tokens, {text.TextBytes:N0} bytes)"));
        output.WriteLine(string.Create(c, $"tokenizer    {text.Tokenizer.Description}"));
        output.WriteLine(string.Create(c, $"perplexity   {result.Perplexity:0.####} per token (mean NLL {result.MeanNll:0.#####} nats over {result.ScoredTokens:N0} tokens, {result.Windows} window(s) of {result.WindowSize})"));
        output.WriteLine(string.Create(c, $"bits/byte    {result.BitsPerByte:0.####}"));
        output.WriteLine($"precision    {precision} projections{(precision == "float32" ? "" : "; norms, softmax and the residual stream in float32")}");
        if (result.KvCacheBytesPerToken is { } streamedBytes && result.GeneratedTokens is null)
            output.WriteLine(string.Create(c, $"KV cache     {streamedBytes:N0} bytes per token (float32 cache, from the layout: the model's layers were streamed, so decoding was not timed)"));
        else if (result.KvCacheBytesPerToken is { } bytes)
        {
            output.WriteLine(string.Create(c, $"KV cache     {bytes:N0} bytes per token (float32 cache, measured while generating {result.GeneratedTokens} tokens)"));
            output.WriteLine(string.Create(c, $"decode       {result.DecodeTokensPerSecond:0.#} tokens/s"));
        }
        output.WriteLine(string.Create(c, $"elapsed      {result.ElapsedSeconds:0.##} s"));
    }
}

using System.CommandLine;
using System.Globalization;
using Qcqa.Cli.Infrastructure;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Memory;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Runtime;
using Qcqa.Torch.Streaming;
using Qcqa.Torch.Text;
using Serilog;

namespace Qcqa.Cli.Commands.Generate;

/// <summary>
/// Continues a prompt with any checkpoint the runtime loads, writing the prompt and then each piece of text as soon
/// as its token is chosen; ends with the KV-cache bytes per token measured from the cache itself and the decode speed.
/// </summary>
internal sealed class GenerateCommand(ParseResult parseResult, ILogger log)
{
    private readonly string _model = parseResult.GetValue(GenerateCommandDefinition.ModelArgument)!;
    private readonly string _prompt = parseResult.GetValue(GenerateCommandDefinition.PromptOption)!;
    private readonly int _maxNewTokens = parseResult.GetValue(GenerateCommandDefinition.MaxNewTokensOption);
    private readonly double _temperature = parseResult.GetValue(GenerateCommandDefinition.TemperatureOption);
    private readonly long? _seed = parseResult.GetValue(GenerateCommandDefinition.SeedOption);
    private readonly string _device = parseResult.GetValue(GenerateCommandDefinition.DeviceOption)!;
    private readonly long? _memoryLimit = parseResult.GetValue(GenerateCommandDefinition.MemoryLimitOption);

    internal int Execute(TextWriter output, CancellationToken cancellationToken)
    {
        if (_maxNewTokens < 1) throw new QcqaException(ErrorCodes.BadArgument, $"--max-new-tokens must be at least 1 (got {_maxNewTokens}).");
        if (!(_temperature >= 0) || double.IsInfinity(_temperature))
            throw new QcqaException(ErrorCodes.BadArgument, $"--temperature must be a finite number ≥ 0 (got {_temperature.ToString(CultureInfo.InvariantCulture)}).");

        // Everything that can fail cheaply (tokenizer, config, prompt length) fails before libtorch loads the weights.
        var tokenizer = ModelTokenizer.Load(_model);
        var prompt = tokenizer.Encode(_prompt);
        if (prompt.Length == 0) throw new QcqaException(ErrorCodes.BadArgument, "The prompt is empty and the tokenizer adds no beginning-of-sequence token; give some text.");
        using var checkpoint = Checkpoint.Open(_model);
        var config = CheckpointModelLoader.ReadConfig(checkpoint);
        tokenizer.CheckFits(config.VocabSize, checkpoint.Config.Path);
        if (prompt.Length + _maxNewTokens > config.MaxPositionEmbeddings)
            throw new QcqaException(ErrorCodes.BadArgument,
                $"The prompt ({prompt.Length} tokens) plus --max-new-tokens ({_maxNewTokens}) exceed the model's max_position_embeddings ({config.MaxPositionEmbeddings}).");
        var device = QcqaDevice.Parse(_device);

        // A model that does not fit is streamed one layer at a time: slow (every token converts the model again), but it runs.
        var memory = CommonOptions.ResolveMemoryLimit(_memoryLimit);
        var plan = PassPlan.For(config, memory, 1, prompt.Length + _maxNewTokens, prompt.Length + _maxNewTokens, withLogits: true);
        memory.Check($"Generating with '{checkpoint.Folder}'", plan.PeakBytes, plan.Breakdown);
        log.Information("Loading {Model} on {Device} ({Tokenizer}, prompt {Tokens} tokens), layers {Residency}", checkpoint.Folder, device.ToString(),
            tokenizer.Description, prompt.Length, plan.Residency.ToString().ToLowerInvariant());
        using var weights = CheckpointDecoderWeights.Open(checkpoint, new StreamingOptions { Device = device, Residency = plan.Residency });
        var model = new StreamedDecoder(weights);
        var decoder = new StreamingTextDecoder(tokenizer, prompt);
        output.Write(_prompt);
        output.Flush();
        var result = LlamaGenerator.Generate(model, prompt, new GenerationOptions
        {
            MaxNewTokens = _maxNewTokens,
            Temperature = _temperature,
            Seed = _seed,
            EndOfSequenceToken = tokenizer.EndOfSequence,
            OnToken = id =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                output.Write(decoder.Add(id));
                output.Flush();
            },
        });
        output.WriteLine(decoder.Flush());
        WriteMeasurements(output, prompt.Length, result, tokenizer.EndOfSequence);
        return 0;
    }

    private static void WriteMeasurements(TextWriter output, int promptTokens, GenerationResult result, long? endOfSequence)
    {
        var c = CultureInfo.InvariantCulture;
        // The cache holds the prompt and every generated token but the last (which was never fed back).
        var cached = promptTokens + result.Tokens.Count - 1L;
        var stop = endOfSequence is { } eos && result.Tokens[^1] == eos ? "end of sequence" : "--max-new-tokens";
        output.WriteLine();
        output.WriteLine(string.Create(c, $"tokens     {promptTokens} prompt + {result.Tokens.Count} generated (stopped at {stop})"));
        output.WriteLine(string.Create(c, $"KV cache   {(double)result.KvCacheBytes / cached:N0} bytes per token ({result.KvCacheBytes:N0} bytes for {cached} cached tokens, float32 cache)"));
        output.WriteLine(string.Create(c, $"speed      {result.DecodeTokensPerSecond:0.#} tokens/s decoding, prefill {result.PrefillTime.TotalMilliseconds:0} ms"));
    }
}

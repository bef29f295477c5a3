using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Streaming;

namespace Qcqa.Torch.Evaluation;

/// <summary>
/// Prefills a prompt and decodes greedily with the model's real KV cache (<see cref="LlamaGenerator"/>), measuring
/// the cache's size per token and the decode speed.
/// </summary>
public static class GenerationBenchmark
{
    /// <summary>Prompt length when none is given.</summary>
    public const int DefaultPromptTokens = 64;

    /// <summary>Runs the benchmark on the first tokens of <paramref name="text"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="text">Tokens whose beginning is the prompt.</param>
    /// <param name="newTokens">Tokens to decode (at least 1).</param>
    /// <param name="promptTokens">Prompt length; shortened to fit the text and <c>max_position_embeddings</c>.</param>
    /// <exception cref="QcqaException">QCQA003 when <paramref name="newTokens"/> is below 1 or leaves no room for a prompt.</exception>
    public static GenerationBenchmarkResult Run(LlamaModel model, IReadOnlyList<long> text, int newTokens, int promptTokens = DefaultPromptTokens)
    {
        Preconditions.CheckNotNull(model);
        return Run(new StreamedDecoder(new ModelDecoderWeights(model)), text, newTokens, promptTokens);
    }

    /// <summary>Runs the benchmark with a layer-streamed model.</summary>
    /// <exception cref="QcqaException">As the other overload.</exception>
    public static GenerationBenchmarkResult Run(StreamedDecoder model, IReadOnlyList<long> text, int newTokens, int promptTokens = DefaultPromptTokens)
    {
        Preconditions.CheckNotNull(model);
        Preconditions.CheckNotNull(text);
        if (newTokens < 1) throw new QcqaException(ErrorCodes.BadArgument, $"The number of tokens to generate must be at least 1 (got {newTokens}).");
        if (promptTokens < 1) throw new QcqaException(ErrorCodes.BadArgument, $"The prompt must have at least 1 token (got {promptTokens}).");
        var room = model.Config.MaxPositionEmbeddings - newTokens;
        if (room < 1)
            throw new QcqaException(ErrorCodes.BadArgument,
                $"Generating {newTokens} tokens leaves no room for a prompt within max_position_embeddings ({model.Config.MaxPositionEmbeddings}).");
        var length = Math.Min(Math.Min(promptTokens, text.Count), room);
        if (length < 1) throw new QcqaException(ErrorCodes.BadEvaluationInput, "The text is empty; the generation benchmark needs a prompt.");

        var prompt = text.Take(length).ToArray();
        var result = LlamaGenerator.Generate(model, prompt, new GenerationOptions { MaxNewTokens = newTokens });
        return new GenerationBenchmarkResult(length, result.Tokens.Count, length + result.Tokens.Count - 1L, result.KvCacheBytes,
            result.PrefillTime, result.DecodeTime, result.DecodeTokensPerSecond);
    }
}

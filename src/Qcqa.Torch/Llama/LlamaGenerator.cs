using System.Diagnostics;
using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Streaming;
using TorchSharp;
using static TorchSharp.torch;

namespace Qcqa.Torch.Llama;

/// <summary>Autoregressive generation with the KV cache: one prefill pass over the prompt, then one step per token.</summary>
public static class LlamaGenerator
{
    /// <summary>Generates up to <see cref="GenerationOptions.MaxNewTokens"/> tokens after <paramref name="prompt"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="prompt">Prompt token ids (one sequence).</param>
    /// <param name="options">Length, temperature, seed and stop token.</param>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.BadArgument"/> when prompt plus new tokens exceed <c>max_position_embeddings</c>, or the temperature is negative.</exception>
    public static GenerationResult Generate(LlamaModel model, IReadOnlyList<long> prompt, GenerationOptions options)
    {
        Preconditions.CheckNotNull(model);
        return Generate(new StreamedDecoder(new ModelDecoderWeights(model)), prompt, options);
    }

    /// <summary>Generates with a layer-streamed model (every step loads the layers that are not resident).</summary>
    /// <param name="model">The model.</param>
    /// <param name="prompt">Prompt token ids (one sequence).</param>
    /// <param name="options">Length, temperature, seed and stop token.</param>
    /// <exception cref="QcqaException">As the other overload.</exception>
    public static GenerationResult Generate(StreamedDecoder model, IReadOnlyList<long> prompt, GenerationOptions options)
    {
        Preconditions.CheckNotNull(model);
        Preconditions.CheckNotNull(prompt);
        Preconditions.CheckNotNull(options);
        if (prompt.Count == 0) throw new QcqaException(ErrorCodes.BadArgument, "The prompt is empty.");
        if (options.MaxNewTokens < 1) throw new QcqaException(ErrorCodes.BadArgument, $"max new tokens must be at least 1 (got {options.MaxNewTokens}).");
        if (!(options.Temperature >= 0) || double.IsInfinity(options.Temperature))
            throw new QcqaException(ErrorCodes.BadArgument, $"Temperature must be a finite number ≥ 0 (got {options.Temperature}).");
        if (prompt.Count + options.MaxNewTokens > model.Config.MaxPositionEmbeddings)
            throw new QcqaException(ErrorCodes.BadArgument,
                $"Prompt ({prompt.Count}) plus new tokens ({options.MaxNewTokens}) exceed max_position_embeddings ({model.Config.MaxPositionEmbeddings}).");

        using var noGrad = no_grad();
        using var cache = new LlamaKvCache(model.Config);
        var generator = options.Temperature > 0
            ? new Generator(unchecked((ulong)(options.Seed ?? Random.Shared.NextInt64())), CPU)
            : null;
        var tokens = new List<long>(options.MaxNewTokens);

        var clock = Stopwatch.StartNew();
        var next = Step(model, cache, prompt.ToArray(), options.Temperature, generator);
        var prefill = clock.Elapsed;
        tokens.Add(next);
        options.OnToken?.Invoke(next);

        clock.Restart();
        while (tokens.Count < options.MaxNewTokens && next != options.EndOfSequenceToken)
        {
            next = Step(model, cache, [next], options.Temperature, generator);
            tokens.Add(next);
            options.OnToken?.Invoke(next);
        }
        return new GenerationResult(tokens, prefill, clock.Elapsed, cache.SizeInBytes);
    }

    private static long Step(StreamedDecoder model, LlamaKvCache cache, long[] input, double temperature, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var ids = tensor(input, ScalarType.Int64).reshape(1, input.Length);
        // [vocab]: the logits after the last input token.
        var last = model.Forward(ids, cache)[0, -1].to(CPU);
        if (generator is null) return last.argmax().item<long>();
        using var divisor = temperature.ToScalar(); // held until the call returns: see Scalars
        var probabilities = nn.functional.softmax(last.div(divisor), 0);
        return probabilities.multinomial(1, generator: generator).item<long>();
    }
}

namespace Qcqa.Torch.Llama;

/// <summary>Settings of <see cref="LlamaGenerator"/>.</summary>
public sealed record GenerationOptions
{
    /// <summary>Tokens to generate at most.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Sampling temperature; 0 means greedy (arg-max) decoding.</summary>
    public double Temperature { get; init; }

    /// <summary>Seed of the sampler, for reproducible sampling; random when null. Unused when greedy.</summary>
    public long? Seed { get; init; }

    /// <summary>Token that ends generation (it is included in the output); none when null.</summary>
    public long? EndOfSequenceToken { get; init; }

    /// <summary>Called with each new token as soon as it is chosen (for streaming); none when null.</summary>
    public Action<long>? OnToken { get; init; }
}

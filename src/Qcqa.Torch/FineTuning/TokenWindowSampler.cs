using static TorchSharp.torch;

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// Draws training batches: <c>windows</c> runs of <c>sequence + 1</c> consecutive tokens at uniformly random offsets
/// of the text (with replacement), from a seeded <see cref="SplitMix64"/>, one draw per window in batch order. The
/// inputs are the first <c>sequence</c> tokens of each run and the targets the last <c>sequence</c>. The batches
/// depend on the tokens, the sizes and the seed only.
/// </summary>
public sealed class TokenWindowSampler
{
    private readonly IReadOnlyList<long> _tokens;
    private readonly int _windows;
    private readonly int _sequence;
    private readonly SplitMix64 _random;

    /// <summary>Creates the sampler.</summary>
    /// <param name="tokens">The token ids; at least <paramref name="sequence"/> + 1 of them. Not copied: keep it unchanged.</param>
    /// <param name="windows">Windows per batch.</param>
    /// <param name="sequence">Tokens per window.</param>
    /// <param name="seed">The data-order seed.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="windows"/> or <paramref name="sequence"/> is not positive, or a batch is too large for one array.</exception>
    /// <exception cref="ArgumentException">The text is shorter than one window (<paramref name="sequence"/> + 1 tokens).</exception>
    public TokenWindowSampler(IReadOnlyList<long> tokens, int windows, int sequence, ulong seed)
    {
        Preconditions.CheckNotNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequence);
        if (tokens.Count <= sequence)
            throw new ArgumentException($"The text ({tokens.Count} tokens) is shorter than one window ({sequence} + 1 tokens).", nameof(tokens));
        _tokens = tokens;
        _windows = windows;
        _sequence = sequence;
        _random = new SplitMix64(seed);
        if ((long)windows * (sequence + 1) > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(windows), $"A batch of {windows} windows of {sequence} + 1 tokens does not fit in one array.");
    }

    /// <summary>Windows per batch.</summary>
    public int Windows => _windows;

    /// <summary>Tokens per window.</summary>
    public int SequenceLength => _sequence;

    /// <summary>The start offsets of the next batch's windows, advancing the generator.</summary>
    /// <returns>One offset per window, each in [0, tokens − sequence − 1].</returns>
    public long[] NextOffsets()
    {
        var starts = _tokens.Count - _sequence;
        var offsets = new long[_windows];
        for (var b = 0; b < offsets.Length; b++) offsets[b] = _random.NextBelow(starts);
        return offsets;
    }

    /// <summary>The next batch.</summary>
    /// <returns>Inputs and targets, each [windows, sequence] int64 on the CPU; the caller owns them.</returns>
    public (Tensor Inputs, Tensor Targets) Next()
    {
        var span = _sequence + 1;
        var offsets = NextOffsets();
        // A fresh array per batch: the tensor made from it must not change when the next batch is drawn.
        var buffer = new long[_windows * span];
        for (var b = 0; b < offsets.Length; b++)
        {
            var destination = buffer.AsSpan(b * span, span);
            if (_tokens is long[] array) array.AsSpan(checked((int)offsets[b]), span).CopyTo(destination);
            else for (var t = 0; t < span; t++) destination[t] = _tokens[checked((int)offsets[b] + t)];
        }
        using var scope = NewDisposeScope();
        var windows = tensor(buffer, new long[] { _windows, span }, ScalarType.Int64);
        var inputs = windows.narrow(1, 0, _sequence).contiguous();
        var targets = windows.narrow(1, 1, _sequence).contiguous();
        return (inputs.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }
}

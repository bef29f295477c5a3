using static TorchSharp.torch;

namespace Qcqa.ReferenceModel;

/// <summary>
/// Draws training batches: <c>batch</c> windows of <c>seq + 1</c> consecutive bytes at uniformly random offsets of
/// the training text (with replacement), from a seeded <see cref="SplitMix64"/>. The inputs are the first
/// <c>seq</c> bytes of each window and the targets the last <c>seq</c>.
/// </summary>
public sealed class WindowSampler
{
    private readonly byte[] _text;
    private readonly int _batch;
    private readonly int _sequence;
    private readonly SplitMix64 _random;
    private readonly long[] _buffer;

    /// <summary>Creates the sampler.</summary>
    /// <param name="text">The training bytes; longer than <paramref name="sequence"/>.</param>
    /// <param name="batch">Windows per batch.</param>
    /// <param name="sequence">Tokens per window.</param>
    /// <param name="seed">The data-order seed.</param>
    public WindowSampler(byte[] text, int batch, int sequence, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequence);
        if (text.Length <= sequence) throw new ArgumentException($"The text ({text.Length} bytes) is shorter than one window.", nameof(text));
        _text = text;
        _batch = batch;
        _sequence = sequence;
        _random = new SplitMix64(seed);
        _buffer = new long[batch * (sequence + 1)];
    }

    /// <summary>The next batch.</summary>
    /// <returns>Inputs and targets, each [batch, seq] int64 on the CPU; the caller owns them.</returns>
    public (Tensor Inputs, Tensor Targets) Next()
    {
        var span = _sequence + 1;
        var starts = _text.Length - span + 1;
        for (var b = 0; b < _batch; b++)
        {
            var start = _random.NextBelow(starts);
            for (var t = 0; t < span; t++) _buffer[b * span + t] = _text[start + t];
        }
        using var scope = NewDisposeScope();
        var windows = tensor(_buffer, new long[] { _batch, span }, ScalarType.Int64);
        var inputs = windows.narrow(1, 0, _sequence).contiguous();
        var targets = windows.narrow(1, 1, _sequence).contiguous();
        return (inputs.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }
}

namespace Qcqa.Torch.FineTuning;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fully specified generator, so the data order depends on the seed
/// only, not on the .NET version (whose <see cref="Random"/> algorithm is an implementation detail).
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An integer in [0, <paramref name="bound"/>) by multiply-shift (Lemire); bias below 2⁻³² for bounds under 2³².</summary>
    public long NextBelow(long bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (long)Math.BigMul(Next(), (ulong)bound, out _);
    }
}

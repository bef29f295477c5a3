namespace Qcqa.Core.Synthetic;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: a small, fast generator whose output depends only
/// on the seed, on every platform and .NET version (unlike <see cref="Random"/>, whose algorithm is not promised).
/// </summary>
internal struct Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the state from one 64-bit value.</summary>
    internal Xoshiro256(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>The next 64 random bits.</summary>
    internal ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in 0..<paramref name="bound"/>-1 (bound small; the bias is negligible).</summary>
    internal int NextInt(int bound) => (int)((NextUInt64() >> 33) % (ulong)bound);

    /// <summary>
    /// Fills <paramref name="destination"/> with values uniform on (−a, a), a = √3·<paramref name="std"/>, so their
    /// standard deviation is <paramref name="std"/>. Two values per 64 random bits (23 bits each).
    /// </summary>
    internal void FillUniform(Span<float> destination, float std)
    {
        // Odd integers in (−2^23, 2^23) are exact in float and symmetric around zero: the centres of 2^23 cells.
        var scale = MathF.Sqrt(3f) * std / (1 << 23);
        var i = 0;
        for (; i + 1 < destination.Length; i += 2)
        {
            var bits = NextUInt64();
            destination[i] = Cell(bits >> 41) * scale;
            destination[i + 1] = Cell((bits >> 9) & 0x7FFFFF) * scale;
        }
        if (i < destination.Length) destination[i] = Cell(NextUInt64() >> 41) * scale;
    }

    private static float Cell(ulong k) => (long)k * 2 + 1 - (1L << 23);

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

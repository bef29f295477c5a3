namespace Qcqa.Core.Search;

/// <summary>
/// Per-layer random streams derived from the search seed and the layer index, so each layer's result is the same
/// whichever thread searches it and in whatever order (a Random is never shared between layers).
/// </summary>
internal static class LayerRandom
{
    /// <summary>A generator for one layer; <see cref="Random(int)"/> with a fixed seed is reproducible across runs.</summary>
    public static Random Create(int seed, int layerIndex)
    {
        // SplitMix64 finaliser: neighbouring (seed, layer) pairs get unrelated streams.
        var z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)layerIndex * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & 0x7FFF_FFFF));
    }
}

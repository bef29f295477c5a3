namespace Qcqa.Fuzz;

/// <summary>A small seeded generator (xorshift64*): the same seed gives the same run, so every finding replays.</summary>
internal sealed class FuzzRandom(ulong seed)
{
    private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    internal ulong NextUInt64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
    internal int Next(int bound) => bound <= 1 ? 0 : (int)(NextUInt64() % (ulong)bound);

    internal bool Chance(int percent) => Next(100) < percent;

    internal T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}

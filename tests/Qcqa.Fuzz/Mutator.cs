using System.Text;

namespace Qcqa.Fuzz;

/// <summary>Byte-level and token-level mutations of an input, stacked a few at a time (as AFL's havoc stage does).</summary>
internal static class Mutator
{
    private static readonly byte[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'\\', (byte)'{', (byte)'[', (byte)':', (byte)',', (byte)'-', (byte)'\n', (byte)' ', 0xC3, 0xED, 0xF4, 0xF8];
    private const int MaxLength = 1 << 16;

    internal static byte[] Mutate(byte[] input, FuzzRandom random, IReadOnlyList<byte[]> tokens, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        var rounds = 1 + random.Next(6);
        for (var r = 0; r < rounds; r++)
        {
            switch (random.Next(11))
            {
                case 0 when data.Count > 0: // flip a bit
                    var i = random.Next(data.Count);
                    data[i] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0: // an interesting byte
                    data[random.Next(data.Count)] = random.Pick(Interesting);
                    break;
                case 2 when data.Count > 0: // delete a run
                    var at = random.Next(data.Count);
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                case 3 when data.Count > 0: // duplicate a run
                    var from = random.Next(data.Count);
                    var run = data.GetRange(from, Math.Min(data.Count - from, 1 + random.Next(64)));
                    data.InsertRange(random.Next(data.Count + 1), run);
                    break;
                case 4 or 5 or 6: // insert a token of the format
                    data.InsertRange(random.Next(data.Count + 1), random.Pick(tokens));
                    break;
                case 7 when data.Count > 0: // overwrite with a token
                    var token = random.Pick(tokens);
                    var start = random.Next(data.Count);
                    for (var k = 0; k < token.Length && start + k < data.Count; k++) data[start + k] = token[k];
                    break;
                case 8 when corpus.Count > 0: // splice with another corpus entry
                    var other = random.Pick(corpus);
                    if (other.Length == 0) break;
                    var cut = random.Next(data.Count + 1);
                    var otherCut = random.Next(other.Length);
                    data.RemoveRange(cut, data.Count - cut);
                    data.AddRange(other.AsSpan(otherCut).ToArray());
                    break;
                case 9: // a number at a random place: boundaries that overflow readers
                    data.InsertRange(random.Next(data.Count + 1), Encoding.ASCII.GetBytes(random.Pick(Numbers)));
                    break;
                default: // repeat a short run many times (deep nesting, long keys)
                    if (data.Count == 0) break;
                    var p = random.Next(data.Count);
                    var piece = data.GetRange(p, Math.Min(data.Count - p, 1 + random.Next(4))).ToArray();
                    var times = 1 + random.Next(random.Chance(10) ? 5000 : 64);
                    var insert = new List<byte>(piece.Length * times);
                    for (var t = 0; t < times; t++) insert.AddRange(piece);
                    data.InsertRange(random.Next(data.Count + 1), insert);
                    break;
            }
        }
        if (data.Count > MaxLength) data.RemoveRange(MaxLength, data.Count - MaxLength);
        return data.ToArray();
    }

    internal static readonly string[] Numbers =
    [
        "0", "-1", "1", "2", "3", "4", "7", "8", "12", "16", "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483648",
        "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e9", "1e309", "-0", "0.5", "1.0", "1e-400",
        "NaN", ".nan", ".inf", "-.inf", "Infinity", "0x10", "0o17", "1_000",
    ];
}

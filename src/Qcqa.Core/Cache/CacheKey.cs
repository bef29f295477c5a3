using System.Text.RegularExpressions;

namespace Qcqa.Core.Cache;

/// <summary>
/// Names one entry of a <see cref="ContentCache"/>: a kind (what the payload is, e.g. <c>gram</c>) and the
/// content hash of everything the payload was computed from. Build keys with <see cref="CacheKeyBuilder"/>.
/// </summary>
public readonly partial record struct CacheKey
{
    /// <summary>Creates a key.</summary>
    /// <param name="kind">Lowercase letters, digits and dashes, e.g. <c>gram</c>, <c>front</c>, <c>eval</c>.</param>
    /// <param name="hash">32 lowercase hex digits (see <see cref="ContentHash"/>).</param>
    /// <exception cref="ArgumentException">Either part is malformed.</exception>
    public CacheKey(string kind, string hash)
    {
        Preconditions.CheckArgument(IsValidKind(kind), $"Cache kind '{kind}' must be 1-32 lowercase letters, digits or dashes.");
        Preconditions.CheckArgument(ContentHash.IsHash(hash), $"Cache hash '{hash}' must be {ContentHash.HexLength} lowercase hex digits.");
        Kind = kind;
        Hash = hash;
    }

    /// <summary>What the payload is; also the entry's sub-folder.</summary>
    public string Kind { get; }

    /// <summary>32 lowercase hex digits.</summary>
    public string Hash { get; }

    /// <summary><c>kind/hash</c>.</summary>
    public override string ToString() => $"{Kind}/{Hash}";

    /// <summary>True when <paramref name="kind"/> is usable as a cache kind.</summary>
    public static bool IsValidKind(string? kind) => kind is not null && KindPattern().IsMatch(kind);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex KindPattern();
}

using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Qcqa.Core.Cache;

/// <summary>
/// Builds a <see cref="CacheKey"/> from the description of a computation's inputs: strings, numbers, flags and
/// content hashes, added in a fixed order by the caller.
/// </summary>
/// <remarks>
/// Every part is written as a type tag, then (for variable-length parts) its length, then its bytes, so
/// different part lists never produce the same byte stream: "ab"+"c" and "a"+"bc" differ, and so do the string
/// "1" and the number 1. <see cref="CodeVersion"/> and the kind are always hashed first, so bumping the version
/// invalidates every entry written by older code.
/// </remarks>
public sealed class CacheKeyBuilder
{
    /// <summary>
    /// Version of the code that computes cached payloads. Bump it whenever a change alters what any cached
    /// computation returns for the same inputs (then old entries simply stop matching).
    /// </summary>
    public const string CodeVersion = "qcqa-cache-1";

    private const byte StringTag = 1;
    private const byte IntegerTag = 2;
    private const byte DoubleTag = 3;
    private const byte BooleanTag = 4;
    private const byte BytesTag = 5;

    private readonly XxHash128 _hash = new();
    private readonly string _kind;
    private bool _built;

    /// <summary>Starts a key of the given kind (see <see cref="CacheKey(string, string)"/>).</summary>
    public CacheKeyBuilder(string kind)
    {
        Preconditions.CheckArgument(CacheKey.IsValidKind(kind), $"Cache kind '{kind}' must be 1-32 lowercase letters, digits or dashes.");
        _kind = kind;
        Add(CodeVersion);
        Add(kind);
    }

    /// <summary>Adds a string (UTF-8, length-prefixed). Null is not allowed: add a flag for optional parts.</summary>
    public CacheKeyBuilder Add(string value)
    {
        Preconditions.CheckNotNull(value);
        return AddVariable(StringTag, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Adds an integer.</summary>
    public CacheKeyBuilder Add(long value)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = IntegerTag;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], value);
        return Append(bytes);
    }

    /// <summary>Adds a double by its exact bits (so 0.1 and 0.1000000001 differ; -0 and +0 differ too).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN, which has many encodings.</exception>
    public CacheKeyBuilder Add(double value)
    {
        Preconditions.CheckArgument(!double.IsNaN(value), "NaN cannot be part of a cache key.");
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = DoubleTag;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], BitConverter.DoubleToInt64Bits(value));
        return Append(bytes);
    }

    /// <summary>Adds a flag.</summary>
    public CacheKeyBuilder Add(bool value) => Append([BooleanTag, value ? (byte)1 : (byte)0]);

    /// <summary>Adds raw bytes (length-prefixed), e.g. a small blob that is cheaper to hash than to describe.</summary>
    public CacheKeyBuilder AddBytes(ReadOnlySpan<byte> value) => AddVariable(BytesTag, value);

    /// <summary>Adds a content hash or another key's hash (same encoding as a string; kept separate for readability).</summary>
    public CacheKeyBuilder AddHash(string hash)
    {
        Preconditions.CheckArgument(ContentHash.IsHash(hash), $"'{hash}' is not a content hash.");
        return Add(hash);
    }

    /// <summary>Adds every part of a sequence, preceded by its count so that list boundaries stay unambiguous.</summary>
    public CacheKeyBuilder AddAll(IReadOnlyCollection<string> values)
    {
        Add(values.Count);
        foreach (var value in values) Add(value);
        return this;
    }

    /// <summary>Finishes the key. The builder cannot be used afterwards.</summary>
    public CacheKey Build()
    {
        EnsureOpen();
        _built = true;
        return new CacheKey(_kind, ContentHash.ToHex(_hash));
    }

    private CacheKeyBuilder AddVariable(byte tag, ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[5];
        header[0] = tag;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], value.Length);
        Append(header);
        return Append(value);
    }

    private CacheKeyBuilder Append(ReadOnlySpan<byte> bytes)
    {
        EnsureOpen();
        _hash.Append(bytes);
        return this;
    }

    private void EnsureOpen()
    {
        if (_built) throw new InvalidOperationException("The key was already built.");
    }
}

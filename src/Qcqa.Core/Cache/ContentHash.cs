using System.IO.Hashing;
using Qcqa.Core.Checkpoints;

namespace Qcqa.Core.Cache;

/// <summary>
/// Fast, non-cryptographic content hashes (XxHash128) rendered as 32 lowercase hex digits. Used to key cache
/// entries by what went into them, e.g. the K/V bytes of one layer, so that a moved or re-saved but identical
/// checkpoint still hits the cache.
/// </summary>
/// <remarks>
/// XxHash128 guards against accidents, not adversaries: a cache is local to one machine and its user, so a
/// deliberate collision gains an attacker nothing they could not do by editing the cache folder directly.
/// </remarks>
public static class ContentHash
{
    /// <summary>Number of hex digits in every hash this class returns.</summary>
    public const int HexLength = 32;

    private const int BufferSize = 1 << 20;

    /// <summary>Hashes <paramref name="bytes"/>.</summary>
    /// <returns>32 lowercase hex digits.</returns>
    public static string Compute(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(XxHash128.Hash(bytes));

    /// <summary>Hashes several spans as if they were one concatenated span (e.g. a layer's K and then V bytes).</summary>
    /// <returns>32 lowercase hex digits.</returns>
    public static string Compute(params ReadOnlyMemory<byte>[] parts)
    {
        Preconditions.CheckNotNull(parts);
        var hash = new XxHash128();
        foreach (var part in parts) hash.Append(part.Span);
        return ToHex(hash);
    }

    /// <summary>
    /// Hashes a projection's stored bytes head after head, as if it were its own tensor: a Llama projection hashes
    /// exactly like its whole tensor, and the rows of a fused tensor hash like the same rows stored alone.
    /// </summary>
    /// <returns>32 lowercase hex digits.</returns>
    public static string Compute(ProjectionRows rows)
    {
        Preconditions.CheckNotNull(rows);
        var hash = new XxHash128();
        foreach (var (offset, length) in rows.ByteRanges())
            rows.Tensor.File.ReadChunks(rows.Tensor.Info, offset, length, BufferSize, hash.Append);
        return ToHex(hash);
    }

    /// <summary>Hashes the rest of <paramref name="stream"/>, reading it in 1 MiB blocks.</summary>
    /// <returns>32 lowercase hex digits.</returns>
    public static string Compute(Stream stream)
    {
        Preconditions.CheckNotNull(stream);
        var hash = new XxHash128();
        hash.Append(stream);
        return ToHex(hash);
    }

    /// <summary>Hashes the rest of <paramref name="stream"/> asynchronously.</summary>
    /// <returns>32 lowercase hex digits.</returns>
    public static async Task<string> ComputeAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        Preconditions.CheckNotNull(stream);
        var hash = new XxHash128();
        await hash.AppendAsync(stream, cancellationToken).ConfigureAwait(false);
        return ToHex(hash);
    }

    /// <summary>Hashes a whole file, checking <paramref name="cancellation"/> between blocks (files here reach many GB).</summary>
    /// <returns>32 lowercase hex digits.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was signalled.</exception>
    public static string ComputeFile(string path, CancellationToken cancellation = default)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.SequentialScan);
        var hash = new XxHash128();
        var buffer = new byte[BufferSize];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            hash.Append(buffer.AsSpan(0, read));
        }
        return ToHex(hash);
    }

    /// <summary>True when <paramref name="text"/> looks like a hash this class produced.</summary>
    public static bool IsHash(string? text)
        => text is { Length: HexLength } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    internal static string ToHex(XxHash128 hash) => Convert.ToHexStringLower(hash.GetCurrentHash());
}

using Qcqa.Core.Diagnostics;

namespace Qcqa.Torch.Llama;

/// <summary>
/// How one attention layer's query heads share key/value heads: G KV heads and, for each of the H query heads,
/// the index of the KV head it reads. Covers plain MHA (G = H, identity), standard GQA with Transformers'
/// <c>repeat_kv</c> (query head h reads KV head h / (H/G)) and arbitrary QCQA groupings (any group sizes).
/// </summary>
/// <remarks>Invariant: every entry of <see cref="QueryToKv"/> is in [0, <see cref="KvHeads"/>) and every KV head is read by at least one query head.</remarks>
public sealed record AttentionLayout
{
    private readonly int[] _queryToKv;

    private AttentionLayout(int kvHeads, int[] queryToKv)
    {
        KvHeads = kvHeads;
        _queryToKv = queryToKv;
    }

    /// <summary>Number of KV heads G the layer stores (and caches).</summary>
    public int KvHeads { get; }

    /// <summary>For each query head h, the KV head it attends with. Length H.</summary>
    public IReadOnlyList<int> QueryToKv => _queryToKv;

    /// <summary>Number of query heads H.</summary>
    public int QueryHeads => _queryToKv.Length;

    /// <summary>True when every query head has its own KV head in order (multi-head attention).</summary>
    public bool IsMultiHead => KvHeads == QueryHeads && _queryToKv.Select((kv, h) => kv == h).All(x => x);

    /// <summary>Multi-head attention: H KV heads, query head h reads KV head h.</summary>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.BadModelConfig"/> when <paramref name="heads"/> is not positive.</exception>
    public static AttentionLayout MultiHead(int heads) => RepeatKv(heads, heads);

    /// <summary>Standard GQA as Transformers runs it: query head h reads KV head h / (H/G).</summary>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.BadModelConfig"/> when G does not divide H.</exception>
    public static AttentionLayout RepeatKv(int heads, int kvHeads)
    {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"num_key_value_heads ({kvHeads}) must be positive and divide num_attention_heads ({heads}).");
        var groupSize = heads / kvHeads;
        return new AttentionLayout(kvHeads, Enumerable.Range(0, heads).Select(h => h / groupSize).ToArray());
    }

    /// <summary>An arbitrary grouping: <paramref name="queryToKv"/>[h] is the KV head of query head h.</summary>
    /// <param name="queryToKv">One entry per query head.</param>
    /// <param name="kvHeads">Number of KV heads; defaults to max(entry) + 1.</param>
    /// <exception cref="QcqaException"><see cref="ErrorCodes.BadModelConfig"/> for an empty map, an entry out of range, or a KV head no query head reads.</exception>
    public static AttentionLayout FromMap(IReadOnlyList<int> queryToKv, int? kvHeads = null)
    {
        Preconditions.CheckNotNull(queryToKv);
        if (queryToKv.Count == 0) throw new QcqaException(ErrorCodes.BadModelConfig, "query_to_kv is empty.");
        var g = kvHeads ?? queryToKv.Max() + 1;
        for (var h = 0; h < queryToKv.Count; h++)
        {
            if (queryToKv[h] < 0 || queryToKv[h] >= g)
                throw new QcqaException(ErrorCodes.BadModelConfig,
                    $"query_to_kv[{h}] = {queryToKv[h]} is outside [0, {g}) for a layer with {g} KV heads.");
        }
        var unused = Enumerable.Range(0, g).Except(queryToKv).ToArray();
        if (unused.Length > 0)
            throw new QcqaException(ErrorCodes.BadModelConfig,
                $"KV head(s) {string.Join(", ", unused)} are read by no query head; a layer stores only KV heads it uses.");
        return new AttentionLayout(g, queryToKv.ToArray());
    }

    /// <inheritdoc />
    public bool Equals(AttentionLayout? other) =>
        other is not null && KvHeads == other.KvHeads && _queryToKv.AsSpan().SequenceEqual(other._queryToKv);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(KvHeads);
        foreach (var kv in _queryToKv) hash.Add(kv);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => $"G={KvHeads} [{string.Join(",", _queryToKv)}]";
}

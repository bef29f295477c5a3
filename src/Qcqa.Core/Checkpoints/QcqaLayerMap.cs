namespace Qcqa.Core.Checkpoints;

/// <summary>
/// One layer of a compressed checkpoint's <c>qcqa</c> config block: how many KV heads the layer keeps and which KV
/// head each query head reads.
/// </summary>
/// <param name="NumKeyValueHeads">G, the layer's KV heads (rows of <c>k_proj</c> are G·head_dim).</param>
/// <param name="QueryToKv">For each query head, in the checkpoint's query-head order, its KV head in 0..G-1.</param>
public sealed record QcqaLayerMap(int NumKeyValueHeads, IReadOnlyList<int> QueryToKv)
{
    /// <summary>The map stock loaders use (<c>repeat_kv</c>): query head h reads KV head h / (H / G).</summary>
    /// <param name="queryHeads">H.</param>
    /// <param name="keyValueHeads">G; must divide H.</param>
    public static QcqaLayerMap Standard(int queryHeads, int keyValueHeads)
    {
        Preconditions.CheckPositive(keyValueHeads);
        Preconditions.CheckArgument(queryHeads % keyValueHeads == 0, $"{keyValueHeads} KV heads do not divide {queryHeads} query heads.");
        var perKv = queryHeads / keyValueHeads;
        return new QcqaLayerMap(keyValueHeads, Enumerable.Range(0, queryHeads).Select(h => h / perKv).ToArray());
    }

    /// <summary>True when this is the <c>repeat_kv</c> map of <see cref="Standard"/>.</summary>
    public bool IsStandard
    {
        get
        {
            if (QueryToKv.Count % NumKeyValueHeads != 0) return false;
            var perKv = QueryToKv.Count / NumKeyValueHeads;
            for (var h = 0; h < QueryToKv.Count; h++)
                if (QueryToKv[h] != h / perKv) return false;
            return true;
        }
    }

    /// <summary>The query heads that read each KV head (ascending within a KV head).</summary>
    public IReadOnlyList<IReadOnlyList<int>> QueryHeadsByKv()
    {
        var lists = Enumerable.Range(0, NumKeyValueHeads).Select(_ => new List<int>()).ToArray();
        for (var h = 0; h < QueryToKv.Count; h++) lists[QueryToKv[h]].Add(h);
        return lists;
    }
}

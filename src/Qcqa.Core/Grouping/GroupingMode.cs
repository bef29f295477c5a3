namespace Qcqa.Core.Grouping;

/// <summary>
/// How query heads are grouped onto shared KV heads: the one mode type, used by the spec (a variant's
/// <c>mode</c>), the search (which partitions it may produce), the allocator (which G each layer can keep) and the
/// files (<c>grouping.json</c>, the fronts, the <c>qcqa</c> block of a merged <c>config.json</c>). Its spelling in
/// every file is <see cref="GroupingModes.ToName"/>.
/// </summary>
public enum GroupingMode
{
    /// <summary><c>gqa</c>: plain grouped-query attention, neighbouring heads mean-pooled (the baseline; no search). G divides H.</summary>
    Gqa,

    /// <summary><c>mqa</c>: multi-query attention, one KV head per layer (no search, no budget).</summary>
    Mqa,

    /// <summary><c>equal</c>: QCQA-EC, searched groups of equal size in each layer, so G divides H.</summary>
    Equal,

    /// <summary><c>arbitrary</c>: QCQA-AC, searched groups of any size; every G from 1 to H.</summary>
    Arbitrary,

    /// <summary><c>custom</c>: a grouping made some other way (by hand, a test, a planted synthetic truth); any partition.</summary>
    Custom,
}

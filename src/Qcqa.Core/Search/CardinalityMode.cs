namespace Qcqa.Core.Search;

/// <summary>Which partitions of a layer's heads the search may produce.</summary>
public enum CardinalityMode
{
    /// <summary>QCQA-AC: groups of any size; every G from 1 to H is allowed.</summary>
    Arbitrary,

    /// <summary>
    /// QCQA-EC: every group of a layer has the same size, so G must divide H; the result can be written as a
    /// standard GQA layer.
    /// </summary>
    Equal,
}

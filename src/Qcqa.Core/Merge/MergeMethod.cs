namespace Qcqa.Core.Merge;

/// <summary>How the K/V heads of a group become one.</summary>
public enum MergeMethod
{
    /// <summary>
    /// Function-preserving: one shared head fitted to the group, each query head reading it through its own map
    /// folded into its q_proj rows (a rotation and scale per RoPE pair) and o_proj columns (a d×d map). The default.
    /// </summary>
    Aligned,

    /// <summary>The paper's merge: the mean of the group's K/V heads.</summary>
    Mean,
}

namespace Qcqa.Core.Merge;

/// <summary>The attention tensors a merge rewrites; every other tensor is copied byte for byte.</summary>
internal enum AttentionRole
{
    /// <summary><c>q_proj.weight</c>: row blocks follow π.</summary>
    QueryWeight,
    /// <summary><c>q_proj.bias</c>: blocks follow π.</summary>
    QueryBias,
    /// <summary><c>k_proj.weight</c>: head blocks mean-pooled per group.</summary>
    KeyWeight,
    /// <summary><c>k_proj.bias</c>: head blocks mean-pooled per group.</summary>
    KeyBias,
    /// <summary><c>v_proj.weight</c>: head blocks mean-pooled per group.</summary>
    ValueWeight,
    /// <summary><c>v_proj.bias</c>: head blocks mean-pooled per group.</summary>
    ValueBias,
    /// <summary><c>o_proj.weight</c>: column blocks follow π.</summary>
    OutputWeight,
}

namespace Qcqa.Core.Families;

/// <summary>Which of the three attention input projections a block of rows belongs to.</summary>
public enum QkvPart
{
    /// <summary>Query rows (one block per query head).</summary>
    Query,

    /// <summary>Key rows (one block per KV head).</summary>
    Key,

    /// <summary>Value rows (one block per KV head).</summary>
    Value,
}

namespace Qcqa.Core.Families;

/// <summary>One head's block of d rows (or d bias elements) in a stored Q/K/V tensor.</summary>
/// <param name="Part">Query, key or value.</param>
/// <param name="Head">The query head (for <see cref="QkvPart.Query"/>) or the KV head (key, value) the block belongs to.</param>
public readonly record struct HeadBlock(QkvPart Part, int Head);

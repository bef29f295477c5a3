namespace Qcqa.Core.Inspection;

/// <summary>One attention layer as <c>inspect</c> reports it.</summary>
/// <param name="Index">Layer index.</param>
/// <param name="QueryHeads">Query heads of the layer.</param>
/// <param name="KvHeads">KV heads of the layer (the units a grouping partitions).</param>
/// <param name="GqaHalfGroups">KV heads plain GQA keeps at 50 %, or null when no divisor of the KV heads is half of them.</param>
/// <param name="GqaHalfWseRelative">Relative WSE of plain GQA at 50 %, or null (see <paramref name="GqaHalfGroups"/>).</param>
public sealed record LayerInspection(int Index, int QueryHeads, int KvHeads, int? GqaHalfGroups, double? GqaHalfWseRelative);

namespace Qcqa.Core.Grouping;

/// <summary>One layer of a <see cref="ModelGrouping"/>: its index, grouping, and WSE when it was computed.</summary>
/// <param name="Index">The layer index in the model.</param>
/// <param name="Grouping">The partition of the layer's KV units.</param>
/// <param name="Wse">Raw weight-sharing error, or null when not computed.</param>
/// <param name="WseRelative">WSE relative to Σ_h (‖K_h‖² + ‖V_h‖²), or null when not computed.</param>
public sealed record LayerGroupingEntry(int Index, LayerGrouping Grouping, double? Wse = null, double? WseRelative = null);

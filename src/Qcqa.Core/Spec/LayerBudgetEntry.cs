using Qcqa.Core.Diagnostics;
namespace Qcqa.Core.Spec;

/// <summary>One entry of a budget's <c>layers</c> mapping, e.g. <c>"1-3": 0.25</c>.</summary>
/// <param name="First">First layer covered (0-based).</param>
/// <param name="Last">Last layer covered, inclusive (equal to <paramref name="First"/> for a single layer).</param>
/// <param name="Value">What the layers get.</param>
/// <param name="Location">Where the entry's key was written.</param>
public sealed record LayerBudgetEntry(int First, int Last, LayerBudgetValue Value, SourceLocation Location = default)
{
    /// <summary>True when <paramref name="layer"/> is in [<see cref="First"/>, <see cref="Last"/>].</summary>
    public bool Covers(int layer) => layer >= First && layer <= Last;

    /// <summary>The key as written in canonical form: <c>3</c> or <c>1-3</c>.</summary>
    public string RangeText => First == Last ? $"{First}" : $"{First}-{Last}";
}

namespace Qcqa.Core.Statistics;

/// <summary>The output of the statistics stage: what the search and allocation stages know about a model's layers.</summary>
/// <param name="Label">The model's name, for log lines of later stages.</param>
/// <param name="Grams">Per layer, A = K Kᵀ + V Vᵀ over its KV heads.</param>
/// <param name="LayerContents">Per layer, the content hash of its K/V bytes (what cached fronts are keyed by).</param>
public sealed record ModelStatistics(string Label, IReadOnlyList<GramMatrix> Grams, IReadOnlyList<string> LayerContents)
{
    /// <summary>Σ_l trace(A_l): the model's K/V energy, what the total WSE is reported relative to.</summary>
    public double Energy => Grams.Sum(g => g.Trace);

    /// <summary>The number of layers.</summary>
    public int LayerCount => Grams.Count;
}

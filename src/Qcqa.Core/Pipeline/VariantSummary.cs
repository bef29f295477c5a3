namespace Qcqa.Core.Pipeline;

/// <summary>One row of the build summary: a compressed variant, or the original model (mode <c>original</c>).</summary>
/// <param name="Model">Model name from the spec.</param>
/// <param name="Variant">Variant name (<c>original</c> for the input model).</param>
/// <param name="Mode">gqa, mqa, equal, arbitrary or original.</param>
/// <param name="Budget">The budget as the spec states it, or null.</param>
/// <param name="KvHeads">Σ_l G_l kept.</param>
/// <param name="KvHeadsOriginal">Σ_l H_l of the input.</param>
/// <param name="KvBytesPerToken">KV-cache bytes per token of the checkpoint (from its shapes and dtype).</param>
/// <param name="Wse">Total weight-sharing error.</param>
/// <param name="WseRelative">Total WSE relative to the total K/V energy.</param>
/// <param name="Output">The checkpoint folder.</param>
/// <param name="Rebuilt">False when the output was already up to date.</param>
/// <param name="Quality">Held-out quality when the spec asks for evaluation.</param>
public sealed record VariantSummary(
    string Model,
    string Variant,
    string Mode,
    string? Budget,
    int KvHeads,
    int KvHeadsOriginal,
    long KvBytesPerToken,
    double Wse,
    double WseRelative,
    string Output,
    bool Rebuilt,
    ModelQuality? Quality)
{
    /// <summary>KV-cache size relative to the original.</summary>
    public double KvFraction => KvHeadsOriginal > 0 ? (double)KvHeads / KvHeadsOriginal : 1.0;
}
